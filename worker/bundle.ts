// `npm run build` runs this (node dist/worker/bundle.js): the workflow code bundled once, at build time, so a worker
// started from dist/ (the Docker image) loads it instead of bundling at every start.
import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the build puts the bundle: beside this module in dist/worker/; a source checkout has none. */
export const WORKFLOW_BUNDLE = path.join(__dirname, 'workflow-bundle.js');

/** The prebuilt bundle's path, if this is a build that has one. */
export function prebuiltBundle(): string | undefined {
  return existsSync(WORKFLOW_BUNDLE) ? WORKFLOW_BUNDLE : undefined;
}

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  writeFileSync(WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), WORKFLOW_BUNDLE)} (${Math.round(code.length / 1024)} KiB)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
