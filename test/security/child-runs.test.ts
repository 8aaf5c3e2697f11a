import type { Lifeboat } from '../../servers/lifeboat';
import type { Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { refusedByFourEyes, stepOf, untilEnded as untilEndedAs, untilStep as untilStepAs } from './runs';

// Four eyes through a sub-runbook: a parent's `runbook` step starts a child run whose approval guards the child's
// steps, and so everything in the parent that needs the sub-runbook. The requester attacks every way round it:
// aborting the child and letting the parent continue, skipping or deciding past the parent step, retrying it,
// controlling the child by its run id, aborting the parent. Only an approver who is not the requester may override.

type Api = Awaited<ReturnType<typeof clientWith>>;
let lb: Lifeboat & { adminToken: string; taskQueue: string };
let alice: Api; // operator and dba: requests the runs
let olga: Api; // operator, not an approver
let dan: Api; // operator and dba, not the requester: may override
let target: Awaited<ReturnType<typeof startTarget>>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  const q = lb.taskQueue;
  alice = await clientWith(lb, ['operator', 'dba'], `alice-${q}`);
  olga = await clientWith(lb, ['operator'], `olga-${q}`);
  dan = await clientWith(lb, ['operator', 'dba'], `dan-${q}`);
  target = await startTarget();
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

let n = 0;
/**
 * A child runbook whose approval `go` guards its HTTP step `inner`, and a parent whose step `sub` runs it and whose
 * HTTP step `after` needs `sub`. `ran()` counts calls of both guarded steps.
 */
async function parentAndChild(sub: Record<string, unknown> = {}, before: Record<string, unknown>[] = []) {
  const tag = `${++n}-${Math.random().toString(36).slice(2, 8)}`;
  const child = await registerRunbook(lb, {
    id: 'child',
    steps: [
      { id: 'go', action: 'approval', with: { approvers: ['dba'] } },
      { id: 'inner', needs: ['go'], action: 'http', with: { url: `${target.url}/inner-${tag}`, method: 'POST' } },
    ],
  });
  const parent = await registerRunbook(lb, {
    id: 'parent',
    steps: [
      ...before,
      { id: 'sub', action: 'runbook', with: { runbook: child }, ...sub },
      { id: 'after', needs: ['sub'], action: 'http', with: { url: `${target.url}/after-${tag}`, method: 'POST' } },
      { id: 'other', action: 'wait', with: { duration: '1h' } },
    ],
  });
  const res = await alice.post('/runs', { runbook: parent, mode: 'recovery' });
  expect(res.status).toBe(201);
  const runId: string = res.body.runId;
  return { runId, child, ran: () => target.count(`/inner-${tag}`) + target.count(`/after-${tag}`) };
}

const untilStep = (runId: string, stepId: string, done: (step: Json) => boolean) => untilStepAs(alice, runId, stepId, done);
const untilEnded = (runId: string) => untilEndedAs(alice, runId);
/** The child run of the parent's step `sub` (its first or a later execution), once its approval waits. */
const waitingChild = async (runId: string, attempt = 1) => {
  const childId = `${runId}.sub.${attempt}`;
  await untilStep(childId, 'go', (s) => s.status === 'waiting');
  return childId;
};
const abortChild = async (childId: string) => {
  expect((await alice.post(`/runs/${childId}/abort`, { reason: 'skip the approval' })).status).toBe(200);
  await untilEnded(childId);
};

describe("four eyes through a sub-runbook: a child run's approval cannot be got past from outside it", () => {
  it('keeps the steps that need the sub-runbook from running when the requester aborts the child and the parent step continues on failure', async () => {
    const r = await parentAndChild({ onFailure: 'continue' });
    await abortChild(await waitingChild(r.runId));
    await untilStep(r.runId, 'sub', (s) => s.status === 'failed');
    await untilStep(r.runId, 'other', (s) => s.status === 'running');
    // The parent goes on with the rest, but never with what needed the sub-runbook; nor may the requester skip it.
    refusedByFourEyes(await alice.post(`/runs/${r.runId}/steps/sub/skip`, { reason: 'approved verbally' }));
    refusedByFourEyes(await olga.post(`/runs/${r.runId}/steps/sub/skip`, { reason: 'approved verbally' }));
    expect(stepOf((await alice.get(`/runs/${r.runId}`)).body, 'after').status).toBe('pending');
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'test over' })).status).toBe(200);
    const run = await untilEnded(r.runId);
    expect(stepOf(run, 'after').status).toBe('cancelled');
    expect(r.ran()).toBe(0);
  });

  it('refuses decide: skip on the parent step after the requester aborted the child, unless an approver overrides', async () => {
    const r = await parentAndChild({ onFailure: 'ask' });
    await abortChild(await waitingChild(r.runId));
    await untilStep(r.runId, 'sub', (s) => s.awaitingDecision === true);
    refusedByFourEyes(await alice.post(`/runs/${r.runId}/steps/sub/decide`, { decision: 'skip', reason: 'I approve it myself' }));
    refusedByFourEyes(await olga.post(`/runs/${r.runId}/steps/sub/decide`, { decision: 'skip', reason: 'I approve it myself' }));
    refusedByFourEyes(await alice.post(`/runs/${r.runId}/steps/sub/skip`, { reason: 'I approve it myself' }));
    refusedByFourEyes(await dan.post(`/runs/${r.runId}/steps/sub/decide`, { decision: 'skip' }), 400);
    expect(r.ran()).toBe(0);
    expect((await dan.post(`/runs/${r.runId}/steps/sub/decide`, { decision: 'skip', reason: 'approved on the bridge call' })).status).toBe(200);
    await untilStep(r.runId, 'after', (s) => s.status === 'succeeded');
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'test over' })).status).toBe(200);
    await untilEnded(r.runId);
    const { body: timeline } = await alice.get(`/runs/${r.runId}/timeline`);
    expect(timeline.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'approval.overridden',
          stepId: 'sub',
          actor: `dan-${lb.taskQueue}`,
          detail: expect.objectContaining({ control: 'decide:skip', reason: 'approved on the bridge call', approvers: ['dba'] }),
        }),
      ]),
    );
    const { body: report } = await alice.get(`/runs/${r.runId}/report`);
    expect(report.failures).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'approval.overridden', stepId: 'sub' })]));
  });

  it('refuses the requester skipping the sub-runbook step before it starts', async () => {
    const r = await parentAndChild({ needs: ['hold'] }, [{ id: 'hold', action: 'wait', with: { duration: '1h' } }]);
    await untilStep(r.runId, 'hold', (s) => s.status === 'running');
    refusedByFourEyes(await alice.post(`/runs/${r.runId}/steps/sub/skip`, { reason: 'not needed today' }));
    refusedByFourEyes(await olga.post(`/runs/${r.runId}/steps/sub/skip`, { reason: 'not needed today' }));
    expect(stepOf((await alice.get(`/runs/${r.runId}`)).body, 'sub').status).toBe('pending');
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'test over' })).status).toBe(200);
    await untilEnded(r.runId);
    expect(r.ran()).toBe(0);
  });

  it('asks the approval again when the requester retries the parent step after aborting the child', async () => {
    const r = await parentAndChild({ onFailure: 'ask' });
    await abortChild(await waitingChild(r.runId));
    await untilStep(r.runId, 'sub', (s) => s.awaitingDecision === true);
    expect((await alice.post(`/runs/${r.runId}/steps/sub/decide`, { decision: 'retry', reason: 'once more' })).status).toBe(200);
    const second = await waitingChild(r.runId, 2);
    refusedByFourEyes(await alice.post(`/runs/${second}/steps/go/skip`, { reason: 'again' }));
    expect(r.ran()).toBe(0);
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'test over' })).status).toBe(200);
    await untilEnded(r.runId);
    expect(r.ran()).toBe(0);
  });

  it("refuses the requester approving or skipping the child's approval through the API by the child's run id", async () => {
    const r = await parentAndChild();
    const childId = await waitingChild(r.runId);
    const self = await alice.post(`/runs/${childId}/steps/go/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ rule: 'four-eyes' });
    refusedByFourEyes(await alice.post(`/runs/${childId}/steps/go/skip`, { reason: 'urgent' }));
    refusedByFourEyes(await olga.post(`/runs/${childId}/steps/go/skip`, { reason: 'urgent' }));
    expect(stepOf((await alice.get(`/runs/${childId}`)).body, 'go').status).toBe('waiting');
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'test over' })).status).toBe(200);
    await untilEnded(r.runId);
    expect(r.ran()).toBe(0);
  });

  it('ends the child with the parent when the requester aborts the parent, and nothing guarded runs', async () => {
    const r = await parentAndChild({ onFailure: 'continue' });
    const childId = await waitingChild(r.runId);
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'abort it all' })).status).toBe(200);
    expect((await untilEnded(r.runId)).status).toBe('aborted');
    await untilStep(childId, 'go', (s) => s.status === 'cancelled');
    expect(r.ran()).toBe(0);
  });

  it("closes the child run's record and timeline when the parent is aborted while the child waits: aborted, with the cause", async () => {
    const r = await parentAndChild({ onFailure: 'continue' });
    const childId = await waitingChild(r.runId);
    expect((await alice.post(`/runs/${r.runId}/abort`, { reason: 'abort it all' })).status).toBe(200);
    expect((await untilEnded(r.runId)).status).toBe('aborted');
    // The child's own record (what GET /runs/:id, the list and reports read) ends too, naming why: its parent.
    const cause = `the run was cancelled: its parent run ${r.runId} stopped`;
    expect(await untilEnded(childId)).toMatchObject({ status: 'aborted', error: cause, finishedAt: expect.any(String) });
    const listed = (await alice.get(`/runs?runbook=${encodeURIComponent(r.child)}`)).body.runs.find((run: Json) => run.runId === childId);
    expect(listed).toMatchObject({ status: 'aborted', error: cause });
    // Its timeline closes with the run's final event; the parent's step is cancelled, not failed.
    const events: Json[] = (await alice.get(`/runs/${childId}/timeline`)).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'run.aborted', detail: { error: cause } });
    expect(stepOf((await alice.get(`/runs/${r.runId}`)).body, 'sub')).toMatchObject({ status: 'cancelled' });
    expect(r.ran()).toBe(0);
  });
});
