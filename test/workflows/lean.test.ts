import { temporal } from '@temporalio/proto';
import { abortRunUpdate } from '../../contract/messages';
import { PATCH } from '../../contract/names';
import { readTimeline } from '../../store/timeline';
import { startRun, useLifeboat } from '../harness/runs';

// Since PATCH.leanSteps a run's steps share one cancellation scope, run as short promise chains, and the scheduler
// waits on a promise the run's changes resolve (workflows/engine.ts). What a step may be doing when the run stops —
// an activity in flight, a retry's backoff, a wait, an operator's decision, a slot it waits for — is stopped all the
// same; and the steps one pass starts share one carried write.

const env = useLifeboat((path) => (path.startsWith('/fail') ? { status: 500 } : path.startsWith('/busy') ? { status: 503 } : { status: 200, body: { ok: true } }));
const op = { actor: 'olga', roles: ['operator'] };
const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

/** A step in every state a running step can wait in, and one that needs them all. */
function busyRunbook() {
  const url = env.target.url;
  return {
    steps: [
      // Polls a target that never gets ready: an activity in flight for an hour.
      { id: 'poll', action: 'check', with: { url: `${url}${unique('/busy')}`, every: '1s', until: { status: 200, op: 'eq', value: 200 } }, timeout: '1h' },
      // Failed once, waits an hour before its next attempt.
      { id: 'backoff', action: 'http', with: { url: `${url}${unique('/fail')}` }, retry: { attempts: 3, backoff: '1h' } },
      { id: 'long', action: 'wait', with: { duration: '1h' } },
      // Failed, waits for an operator's decision.
      { id: 'ask', action: 'http', with: { url: `${url}${unique('/fail')}` }, onFailure: 'ask' },
      { id: 'after', action: 'http', needs: ['poll', 'backoff', 'long', 'ask'], with: { url: `${url}${unique('/after')}` } },
    ],
  };
}

async function markers(runId: string): Promise<string[]> {
  const history = await env.lb.client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) =>
      (d.payloads ?? []).flatMap((p) => {
        const text = Buffer.from(p.data ?? []).toString();
        return text.includes('"id"') ? [(JSON.parse(text) as { id: string }).id] : [];
      }),
    ),
  );
}

async function startBusyRun() {
  const run = await startRun(env.lb, busyRunbook());
  await run.until('every step waiting', (s) => {
    const [poll, backoff, long, ask] = s.steps;
    return poll!.status === 'running' && backoff!.status === 'running' && backoff!.error !== undefined && long!.status === 'running' && ask!.awaitingDecision === true;
  });
  expect(await markers(run.runId)).toEqual([PATCH.boundedPayloads]);
  return run;
}

describe('steps under lifeboat-lean-steps', () => {
  it('are all cancelled when an operator aborts the run, whatever each waits on', async () => {
    const run = await startBusyRun();
    await run.handle.executeUpdate(abortRunUpdate, { args: [{ ...op, reason: 'wrong region', rollback: false }] });
    const final = await run.result();
    expect(final.status).toBe('aborted');
    expect(final.error).toBe('wrong region');
    // `ask` had failed before it waited for the decision the abort answered.
    expect(Object.fromEntries(final.steps.map((s) => [s.id, s.status]))).toEqual({ poll: 'cancelled', backoff: 'cancelled', long: 'cancelled', ask: 'failed', after: 'cancelled' });
    expect(env.target.calls.filter((c) => c.path.startsWith('/after'))).toHaveLength(0);
  });

  it('are all cancelled, and the run ends aborted, when the workflow itself is cancelled while the scheduler waits', async () => {
    const run = await startBusyRun();
    await run.handle.cancel();
    const final = await run.result();
    expect(final.status).toBe('aborted');
    expect(final.error).toBe('the run was cancelled');
    expect(Object.fromEntries(final.steps.map((s) => [s.id, s.status]))).toEqual({ poll: 'cancelled', backoff: 'cancelled', long: 'cancelled', ask: 'failed', after: 'cancelled' });
    expect((await run.events()).at(-1)).toMatchObject({ type: 'run.aborted', actor: 'temporal' });
  });

  it('start a pass’s steps with one carried write: the task that starts them schedules no timeline write, and no event is lost', async () => {
    const n = 30;
    const url = env.target.url;
    const run = await startRun(env.lb, { steps: Array.from({ length: n }, (_, i) => ({ id: `p${i}`, action: 'http', with: { url: `${url}/p${i}` } })) });
    expect((await run.result()).status).toBe('completed');
    const history = await env.lb.client.workflow.getHandle(run.runId).fetchHistory();
    // The activities each workflow task scheduled, in order.
    const tasks: string[][] = [];
    for (const e of history.events ?? []) {
      if (e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) tasks.push([]);
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) tasks.at(-1)!.push(scheduled);
    }
    const starting = tasks.find((t) => t.includes('httpRequest'))!;
    expect(starting).toEqual(Array.from({ length: n }, () => 'httpRequest'));
    const first = (history.events ?? []).find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'httpRequest')!;
    const input = JSON.parse(Buffer.from(first.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString()) as { records?: { events?: Array<{ type: string }> } };
    expect(input.records?.events?.filter((e) => e.type === 'step.started')).toHaveLength(n);
    const { events } = await readTimeline(env.lb.store.db, run.runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'step.succeeded')).toHaveLength(n);
  });
});
