import type { Lifeboat } from '../../servers/lifeboat';
import type { Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { refusedByFourEyes, stepOf, untilEnded as untilEndedAs, untilStep as untilStepAs } from './runs';

// Four eyes, attacked over the API as an ordinary account would: the requester (an operator who also holds the
// approver role) and an operator who is no approver try every control that gets a run past an approval. Only an
// approver who is not the requester may override, with a reason, and the override is a deviation in the report.

type Api = Awaited<ReturnType<typeof clientWith>>;
let lb: Lifeboat & { adminToken: string; taskQueue: string };
let alice: Api; // operator and dba: requests the runs
let aliceAgain: Api; // another token for alice, her subject spelt differently
let olga: Api; // operator, not an approver
let bob: Api; // dba: approves or rejects
let bobAgain: Api; // another token for bob, his subject spelt differently
let dan: Api; // operator and dba, not the requester: may override
let target: Awaited<ReturnType<typeof startTarget>>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  const q = lb.taskQueue;
  alice = await clientWith(lb, ['operator', 'dba'], `alice-${q}`);
  aliceAgain = await clientWith(lb, ['dba'], ` Alice-${q.toUpperCase()}`);
  olga = await clientWith(lb, ['operator'], `olga-${q}`);
  bob = await clientWith(lb, ['dba'], `bob-${q}`);
  bobAgain = await clientWith(lb, ['dba'], `BOB-${q.toUpperCase()} `);
  dan = await clientWith(lb, ['operator', 'dba'], `dan-${q}`);
  target = await startTarget();
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

let n = 0;
/** An approval `go` guarding an HTTP call `gated` to a path of its own; `count()` says whether the gated step ran. */
function gatedRunbook(approval: Record<string, unknown> = {}, approvalWith: Record<string, unknown> = {}) {
  const path = `/gated-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    path,
    count: () => target.count(path),
    definition: {
      id: 'gated',
      steps: [
        { id: 'go', action: 'approval', with: { approvers: ['dba'], ...approvalWith }, ...approval },
        { id: 'gated', needs: ['go'], action: 'http', with: { url: `${target.url}${path}`, method: 'POST' } },
      ],
    },
  };
}

async function start(definition: Record<string, unknown>): Promise<string> {
  const runbook = await registerRunbook(lb, definition);
  const res = await alice.post('/runs', { runbook, mode: 'recovery' });
  expect(res.status).toBe(201);
  return res.body.runId;
}

const untilStep = (runId: string, stepId: string, done: (step: Json) => boolean) => untilStepAs(alice, runId, stepId, done);
const untilEnded = (runId: string) => untilEndedAs(alice, runId);
const waitingDecision = (runId: string) => untilStep(runId, 'go', (s) => s.status === 'failed' && s.awaitingDecision === true);

describe('four eyes: no one gets past an approval alone', () => {
  it('refuses the requester skipping the approval that guards their own run, and the gated step never runs', async () => {
    const g = gatedRunbook();
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/skip`, { reason: 'urgent' }));
    // An operator who is no approver may not either.
    refusedByFourEyes(await olga.post(`/runs/${runId}/steps/go/skip`, { reason: 'urgent' }));
    expect(stepOf((await alice.get(`/runs/${runId}`)).body, 'go').status).toBe('waiting');
    expect(g.count()).toBe(0);
    expect((await alice.post(`/runs/${runId}/abort`, { reason: 'test over' })).status).toBe(200);
    await untilEnded(runId);
    expect(g.count()).toBe(0);
  });

  it('refuses skipping an approval step that has not started yet, unless an approver overrides', async () => {
    const g = gatedRunbook({ needs: ['hold'] });
    const runId = await start({ ...g.definition, steps: [{ id: 'hold', action: 'wait', with: { duration: '1h' } }, ...g.definition.steps] });
    await untilStep(runId, 'hold', (s) => s.status === 'running');
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/skip`, { reason: 'not needed today' }));
    refusedByFourEyes(await olga.post(`/runs/${runId}/steps/go/skip`, { reason: 'not needed today' }));
    expect(stepOf((await alice.get(`/runs/${runId}`)).body, 'go').status).toBe('pending');
    expect((await alice.post(`/runs/${runId}/abort`, { reason: 'test over' })).status).toBe(200);
  });

  it('refuses decide: skip over a rejection (onFailure: ask) by the requester or a non-approver', async () => {
    const g = gatedRunbook({ onFailure: 'ask' });
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/reject`, { comment: 'replica lag too high' })).status).toBe(200);
    await waitingDecision(runId);
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/decide`, { decision: 'skip', reason: 'I know better' }));
    refusedByFourEyes(await olga.post(`/runs/${runId}/steps/go/decide`, { decision: 'skip', reason: 'I know better' }));
    // Retrying would drop bob's rejection and ask again: the same override.
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/decide`, { decision: 'retry', reason: 'ask someone else' }));
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/retry`, { reason: 'ask someone else' }));
    refusedByFourEyes(await olga.post(`/runs/${runId}/steps/go/retry`, { reason: 'ask someone else' }));
    // Aborting is always allowed: it gets the run nowhere past the approval.
    expect((await alice.post(`/runs/${runId}/steps/go/decide`, { decision: 'abort', reason: 'rejected' })).status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('aborted');
    expect(g.count()).toBe(0);
  });

  it('keeps the gated step from running after a rejected approval with onFailure: continue', async () => {
    const g = gatedRunbook({ onFailure: 'continue' });
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/reject`, { comment: 'no' })).status).toBe(200);
    const run = await untilEnded(runId);
    expect(stepOf(run, 'go').status).toBe('failed');
    expect(stepOf(run, 'gated').status).toBe('cancelled');
    expect(g.count()).toBe(0);
  });

  it('refuses retrying a rejected approval with onFailure: continue while the run is still going', async () => {
    const g = gatedRunbook({ onFailure: 'continue' });
    const runId = await start({ ...g.definition, steps: [...g.definition.steps, { id: 'other', action: 'wait', with: { duration: '1h' } }] });
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/reject`, { comment: 'no' })).status).toBe(200);
    await untilStep(runId, 'go', (s) => s.status === 'failed');
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/retry`, { reason: 'again' }));
    refusedByFourEyes(await alice.post(`/runs/${runId}/steps/go/skip`, { reason: 'gate it myself' }));
    expect(stepOf((await alice.get(`/runs/${runId}`)).body, 'gated').status).toBe('pending');
    expect(g.count()).toBe(0);
    expect((await alice.post(`/runs/${runId}/abort`, { reason: 'test over' })).status).toBe(200);
  });

  it('counts one subject once toward a quorum however its tokens spell it, and never as the requester', async () => {
    const g = gatedRunbook({}, { quorum: 2 });
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/approve`, {})).status).toBe(200);
    const twice = await bobAgain.post(`/runs/${runId}/steps/go/approve`, {});
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ rule: 'distinct-approvers' });
    const self = await aliceAgain.post(`/runs/${runId}/steps/go/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ rule: 'four-eyes' });
    const state = await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect(stepOf(state, 'go').approvals).toHaveLength(1);
    expect(g.count()).toBe(0);
    expect((await dan.post(`/runs/${runId}/steps/go/approve`, {})).status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('completed');
    expect(g.count()).toBe(1);
  });

  it('lets an approver who is not the requester override with a reason, and the report shows it as a deviation', async () => {
    const g = gatedRunbook({ onFailure: 'ask' });
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/reject`, { comment: 'lag' })).status).toBe(200);
    await waitingDecision(runId);
    const noReason = await dan.post(`/runs/${runId}/steps/go/decide`, { decision: 'skip' });
    refusedByFourEyes(noReason, 400);
    expect((await dan.post(`/runs/${runId}/steps/go/decide`, { decision: 'skip', reason: 'lag checked by phone with bob' })).status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('completed');
    expect(g.count()).toBe(1);
    const { body: timeline } = await alice.get(`/runs/${runId}/timeline`);
    expect(timeline.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'approval.overridden',
          stepId: 'go',
          actor: `dan-${lb.taskQueue}`,
          detail: expect.objectContaining({ control: 'decide:skip', reason: 'lag checked by phone with bob', rejectedBy: [`bob-${lb.taskQueue}`] }),
        }),
      ]),
    );
    const { body: report } = await alice.get(`/runs/${runId}/report`);
    expect(report.failures).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'approval.overridden', stepId: 'go', error: expect.stringContaining(`dan-${lb.taskQueue}`) })]),
    );
  });

  it('lets an approver skip a waiting approval as an override, on the timeline', async () => {
    const g = gatedRunbook();
    const runId = await start(g.definition);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await dan.post(`/runs/${runId}/steps/go/skip`, { reason: 'approved on the bridge call' })).status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('completed');
    const { body } = await alice.get(`/runs/${runId}/timeline`);
    expect(body.events.filter((e: Json) => e.type === 'approval.overridden').map((e: Json) => e.detail.control)).toEqual(['skip']);
  });
});
