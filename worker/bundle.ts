// `npm run build` runs this (node dist/worker/bundle.js): the workflow code bundled once, at build time, so a worker
// started from dist/ (the Docker image) loads it instead of bundling at every start.
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the build puts the bundle: beside this module in dist/worker/; a source checkout has none. */
export const WORKFLOW_BUNDLE = path.join(__dirname, 'workflow-bundle.js');

/** The prebuilt bundle's path, if this is a build that has one. */
export function prebuiltBundle(): string | undefined {
  return existsSync(WORKFLOW_BUNDLE) ? WORKFLOW_BUNDLE : undefined;
}

/**
 * How Lifeboat's workflow code is bundled, by the build, by a worker that bundles at start and by the tests alike.
 *
 * The worker runs every cached run in one reused V8 context (Temporal's `reuseV8Context`), and by default each run
 * evaluates the bundle's modules again, its own copy of every function, class and constant of workflows/, actions/,
 * channels/, contract/ and model/. Preloaded, they are evaluated once per worker thread and shared by every run, their
 * exported objects frozen by Temporal: at 500 cached runs that is about 40 MB less heap (docs/performance.md,
 * "Memory"). Sharing is safe because those modules hold no state of their own at module level: a run's state lives in
 * the objects its workflow function creates (test/worker/bundle.test.ts checks the modules for module-level state).
 */
export function workflowBundleOptions(workflowsPath: string = require.resolve('../workflows')): Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> {
  return { workflowsPath, preloadModules: [workflowsPath] };
}

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode(workflowBundleOptions());
  writeFileSync(WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), WORKFLOW_BUNDLE)} (${Math.round(code.length / 1024)} KiB)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
