import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { approveStepUpdate } from '../../contract/messages';
import { PATCH } from '../../contract/names';
import { workflowBundle } from '../harness/lifeboat';
import { startRun, useLifeboat } from '../harness/runs';

// Replaying recorded histories against today's workflow code catches non-determinism: a change that would break
// runs already in flight. histories/ holds histories recorded from earlier versions (LIFEBOAT_RECORD_HISTORIES=1
// adds today's); every test run also replays the histories it just made.

const HISTORIES = path.join(__dirname, 'histories');

const env = useLifeboat((p, n) => (p.startsWith('/flaky') && n < 2 ? { status: 503 } : { status: 200, body: { ok: true, n } }));

/** A run that exercises most of the engine: parallel steps, a retry, an approval, a skip, a failure and rollback. */
async function representativeRun() {
  const url = env.target.url;
  const run = await startRun(env.lb, {
    parameters: { region: { type: 'string', default: 'eu' } },
    steps: [
      { id: 'a', action: 'http', with: { url: `${url}/a` }, outputs: { n: 'body.n' }, undo: { action: 'http', with: { method: 'POST', url: `${url}/undo-a` } } },
      { id: 'b', action: 'http', with: { url: `${url}/flaky-${Date.now()}` }, retry: { attempts: 3, backoff: '100ms' } },
      { id: 'skip-me', action: 'wait', with: { duration: '10ms' }, when: "params.region == 'us'" },
      { id: 'ok', action: 'approval', needs: ['a', 'b'], with: { approvers: ['dba'] } },
      { id: 'boom', action: 'http', needs: ['ok', 'skip-me'], with: { url: 'http://127.0.0.1:1/down' }, onFailure: 'rollback' },
    ],
  });
  await run.until('approval', (s) => s.steps[3]!.status === 'waiting');
  await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'ok', decision: 'approve', actor: 'bob', roles: ['dba'] }] });
  const final = await run.result();
  expect(final.status).toBe('failed');
  return run;
}

describe('replay', () => {
  it('replays recorded histories without non-determinism', async () => {
    const run = await representativeRun();
    const history = await run.handle.fetchHistory();
    if (process.env.LIFEBOAT_RECORD_HISTORIES === '1') {
      const newest = Object.values(PATCH)
        .at(-1)!
        .replace(/^lifeboat-/, '');
      writeFileSync(path.join(HISTORIES, `representative-${newest}.json`), historyToJSON(history));
    }
    const stored = readdirSync(HISTORIES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8'))) }));
    expect(stored.length).toBeGreaterThan(0);
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [{ workflowId: run.runId, history }, ...stored])) results.push(r);
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual([[run.runId, null], ...stored.map((s) => [s.workflowId, null])]);
  });
});
