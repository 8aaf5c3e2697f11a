// Starting and stopping a worker in a process of its own (test/harness/worker-process.ts), so a test can SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowBundle } from './lifeboat';

/** Builds the workflow bundle once into a file that worker processes load, so a restarted worker polls within seconds. */
export async function writeWorkflowBundle(): Promise<string> {
  const bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
  return bundlePath;
}

/**
 * Starts a worker process on `taskQueue` and resolves once it polls. `o.env` overrides the suite's servers (e.g. its
 * TEMPORAL_ADDRESS); `o.spawned` is told of the child at once, so a test can stop one that never became ready;
 * `o.logFile` takes its stderr (otherwise the test's own).
 */
export function startWorkerProcess(
  taskQueue: string,
  bundlePath: string,
  o: { env?: Record<string, string>; spawned?: (child: ChildProcess) => void; logFile?: string } = {},
): Promise<ChildProcess> {
  const stderr = o.logFile === undefined ? 'inherit' : openSync(o.logFile, 'a');
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'ts-register.js'), path.join(__dirname, 'worker-process.ts')], {
    env: { ...process.env, ...o.env, LIFEBOAT_TEST_TASK_QUEUE: taskQueue, LIFEBOAT_TEST_BUNDLE: bundlePath },
    stdio: ['ignore', 'pipe', stderr],
  });
  if (typeof stderr === 'number') closeSync(stderr); // the child holds its own copy
  o.spawned?.(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
}

/** Sends `signal` to a worker process and resolves once it has exited; SIGKILLs it after `killAfterMs` if given. */
export async function stopWorkerProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
