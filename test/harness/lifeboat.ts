import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../../config';
import type { Logger } from '../../logging/logger';
import { startLifeboat, type Lifeboat } from '../../servers/lifeboat';
import { workflowBundleOptions } from '../../worker/bundle';
import type { Tracing } from '../../tracing/start';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

/** Worker logs at ERROR only (expected activity failures would otherwise flood the output), so test output shows what matters. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** The workflow bundle, built once per test file, as the build makes it (worker/bundle.ts). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ ...workflowBundleOptions(path.resolve(__dirname, '../../workflows')), logger: quietLogger });
  return bundle;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

/**
 * A worker and API on the suite's servers, with a task queue of its own so test files never share work. `env`
 * overrides the configuration; its TEMPORAL_ADDRESS and MONGODB_URI point them at another Temporal or store (a
 * test's own).
 */
export async function startTestLifeboat(
  env: Record<string, string> = {},
  o: { logger?: Logger; tracing?: Tracing; workflowBundle?: WorkflowBundleWithSourceMap } = {},
): Promise<Lifeboat & { taskQueue: string; adminToken: string }> {
  quietRuntime();
  const adminToken = `test-admin-${randomUUID()}`;
  const config = loadConfig({ ...process.env, LIFEBOAT_ADMIN_TOKEN: adminToken, ...env });
  const taskQueue = `test-${randomUUID()}`;
  const lifeboat = await startLifeboat({
    config,
    temporalAddress: env.TEMPORAL_ADDRESS ?? required('TEMPORAL_ADDRESS'),
    mongoUri: env.MONGODB_URI ?? required('MONGODB_URI'),
    smtpUrl: required('SMTP_URL'),
    taskQueue,
    port: 0,
    workflowBundle: o.workflowBundle ?? (await workflowBundle()),
    logger: o.logger,
    tracing: o.tracing,
  });
  return { ...lifeboat, taskQueue, adminToken };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the suite's globalSetup should have set it`);
  return v;
}
