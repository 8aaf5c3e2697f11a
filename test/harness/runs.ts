import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRunbookObject } from '../../model/validate';
import type { WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Actor, RunState } from '../../contract/run';
import { RunService } from '../../runs/service';
import type { Signer } from '../../runs/signing';
import type { Lifeboat } from '../../servers/lifeboat';
import { saveRunbook } from '../../store/registry';
import { readTimeline } from '../../store/timeline';
import type { TimelineEvent } from '../../timeline/event';
import { runStateQuery } from '../../contract/messages';
import { startTestLifeboat } from './lifeboat';
import { waitFor } from './wait';

type TestLifeboat = Lifeboat & { taskQueue: string };

/** Validates and registers a runbook given as a plain object, under a unique id; returns that id. */
export async function registerRunbook(lb: TestLifeboat, definition: Record<string, unknown>): Promise<string> {
  const id = `${String(definition.id ?? 't')}-${randomUUID().slice(0, 8)}`;
  const loaded = validateRunbookObject({ title: 'test runbook', ...definition, id });
  if (!loaded.ok) throw new Error(`test runbook is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  await saveRunbook(lb.store.db, loaded.runbook, loaded.hash);
  return id;
}

/** Registers and starts a runbook; returns helpers to watch the run. */
export async function startRun(
  lb: TestLifeboat,
  definition: Record<string, unknown>,
  o: { mode?: 'drill' | 'recovery'; parameters?: Record<string, unknown>; requester?: string; declaredAt?: string; limits?: { historyEvents: number; resultSteps?: number } } = {},
) {
  const runbook = await registerRunbook(lb, definition);
  const service = new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer, limits: o.limits });
  const requester = o.requester ?? 'alice';
  const { runId } = await service.trigger({ runbook, mode: o.mode ?? 'recovery', parameters: o.parameters, declaredAt: o.declaredAt }, requester, { kind: 'api', by: requester });
  // Updates sent through `handle` are signed as the API signs them; a test of a forged one uses lb.client directly.
  const handle = signingHandle(lb.client.workflow.getHandle(runId), lb.signer, runId);
  return {
    runId,
    runbook,
    handle,
    service,
    state: () => handle.query(runStateQuery),
    /** Waits until the live state satisfies `done`. */
    until: (what: string, done: (s: RunState) => boolean, timeoutMs = 30_000) => waitFor(what, () => handle.query(runStateQuery), done, timeoutMs),
    result: (): Promise<RunState> => handle.result(),
    events: async (): Promise<TimelineEvent[]> => (await readTimeline(lb.store.db, runId)).events,
  };
}

/** The handle with every `executeUpdate` signed by `signer`, as RunService.control signs it. */
export function signingHandle(handle: WorkflowHandle, signer: Signer, runId: string): WorkflowHandle {
  const executeUpdate = (def: UpdateDefinition<unknown, [Actor]>, options: { args: [Actor] }) =>
    handle.executeUpdate(def, { ...options, args: [signer.signUpdate(runId, def.name, options.args[0])] });
  return new Proxy(handle, { get: (target, prop) => (prop === 'executeUpdate' ? executeUpdate : (Reflect.get(target, prop) as unknown)) });
}

/** A local HTTP target that counts calls per path and answers as told: the side effects tests look for. */
export async function startTarget(answer: (path: string, n: number, body: string) => { status: number; body?: unknown } = () => ({ status: 200, body: { ok: true } })) {
  const calls: Array<{ path: string; at: number; body: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      calls.push({ path, at: Date.now(), body, headers: req.headers });
      const n = calls.filter((c) => c.path === path).length;
      const a = answer(path, n, body);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (path: string) => calls.filter((c) => c.path === path).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Answer = Parameters<typeof startTarget>[0];

/**
 * A Lifeboat and a counting HTTP target for one test file: started before its tests, stopped after them.
 * Read `env.lb` and `env.target` inside tests (they exist once beforeAll has run).
 */
export function useLifeboat(answer?: Answer) {
  let lb: (TestLifeboat & { adminToken: string }) | undefined;
  let target: Awaited<ReturnType<typeof startTarget>> | undefined;
  beforeAll(async () => {
    lb = await startTestLifeboat();
    target = await startTarget(answer);
  });
  afterAll(async () => {
    await lb?.stop();
    await target?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLifeboat: read env.lb and env.target inside tests, after beforeAll');
    return value;
  };
  return {
    get lb() {
      return started(lb);
    },
    get target() {
      return started(target);
    },
  };
}
