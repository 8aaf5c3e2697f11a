// Starting the standalone API (api/main.ts) in a process of its own, as a cluster runs it next to its workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../servers/process';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
}

/**
 * Starts api/main.ts on a free port with `env` over the suite's environment (TEMPORAL_ADDRESS, MONGODB_URI,
 * LIFEBOAT_ADMIN_TOKEN, TEMPORAL_TASK_QUEUE, ...) and an empty runbooks folder; resolves once it listens.
 * `spawned` is told of the child at once, so a test can stop one that never became ready; `logFile` takes its stderr
 * (otherwise the test's own).
 */
export async function startApiProcess(env: Record<string, string>, spawned?: (child: ChildProcess) => void, logFile?: string): Promise<ApiProcess> {
  const port = await freePort();
  const runbooks = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-api-runbooks-'));
  const stderr = logFile === undefined ? 'inherit' : openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'ts-register.js'), path.resolve(__dirname, '../../api/main.ts')], {
    env: { ...process.env, LIFEBOAT_RUNBOOKS: runbooks, LOG_LEVEL: 'info', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', stderr],
  });
  if (typeof stderr === 'number') closeSync(stderr); // the child holds its own copy
  spawned?.(child);
  // Its log lines are on stdout: kept in `logFile` too, when there is one.
  if (logFile !== undefined) child.stdout!.pipe(createWriteStream(logFile, { flags: 'a' }));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const listening = (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('"msg":"listening"')) return; // its JSON log line (LOG_LEVEL info)
      child.stdout!.off('data', listening);
      child.stdout!.resume(); // read on, so a full pipe never blocks its writes
      resolve();
    };
    child.stdout!.on('data', listening);
    child.once('exit', (code) => reject(new Error(`API process exited with ${code} before it listened; its output: ${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}
