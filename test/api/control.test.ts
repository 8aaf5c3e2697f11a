import type { Lifeboat } from '../../servers/lifeboat';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

// Humans in the loop over HTTP, against the real workflow: the API passes the caller's subject and roles, and the
// workflow decides (approver roles, self-approval, whether the run is waiting for this).

type Api = ReturnType<typeof apiClient>;
let lb: Lifeboat & { adminToken: string; taskQueue: string };
let alice: Api; // operator and dba: starts the runs
let bob: Api; // dba only
let carol: Api; // dba only
let viewer: Api;
let target: Awaited<ReturnType<typeof startTarget>>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  alice = await clientWith(lb, ['operator', 'dba'], `alice-${lb.taskQueue}`);
  bob = await clientWith(lb, ['dba'], `bob-${lb.taskQueue}`);
  carol = await clientWith(lb, ['dba'], `carol-${lb.taskQueue}`);
  viewer = await clientWith(lb, ['viewer']);
  target = await startTarget(() => ({ status: 500, body: { error: 'down' } }));
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

const approvalRunbook = {
  id: 'approve',
  steps: [
    { id: 'go', action: 'approval', with: { approvers: ['dba'] } },
    { id: 'after', needs: ['go'], action: 'wait', with: { duration: '1s' } },
  ],
};

async function start(definition: Record<string, unknown>): Promise<string> {
  const runbook = await registerRunbook(lb, definition);
  const res = await alice.post('/runs', { runbook, mode: 'recovery' });
  expect(res.status).toBe(201);
  return res.body.runId;
}

const stepOf = (run: Json, id: string) => run.state?.steps.find((s: { id: string }) => s.id === id);

function untilStep(runId: string, stepId: string, done: (step: Json) => boolean): Promise<Json> {
  return waitFor(
    `step ${stepId} of ${runId}`,
    async () => (await alice.get(`/runs/${runId}`)).body,
    (run) => Boolean(stepOf(run, stepId) && done(stepOf(run, stepId))),
  );
}

const untilEnded = (runId: string) =>
  waitFor(
    `run ${runId} to end`,
    async () => (await alice.get(`/runs/${runId}`)).body,
    (run) => run.status !== 'running',
    30_000,
  );

describe('approve and reject', () => {
  it('accepts an approval from a holder of the approver role and answers the new state', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    const res = await bob.post(`/runs/${runId}/steps/go/approve`, { comment: 'lag is 0' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, state: { runId } });
    expect((await untilEnded(runId)).status).toBe('completed');
    const { body } = await alice.get(`/runs/${runId}/timeline`);
    expect(body.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'approval.granted', stepId: 'go', actor: `bob-${lb.taskQueue}` })]));
  });

  it('answers 403 when the requester approves their own run', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    const res = await alice.post(`/runs/${runId}/steps/go/approve`, {});
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/self-approval/);
    await alice.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });

  it('answers 403 when the caller holds none of the approver roles', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    const res = await viewer.post(`/runs/${runId}/steps/go/approve`);
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/dba/);
    await alice.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });

  it('answers 409 for an approval the step no longer waits for', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await bob.post(`/runs/${runId}/steps/go/approve`)).status).toBe(200);
    const again = await carol.post(`/runs/${runId}/steps/go/approve`);
    expect(again.status).toBe(409);
  });

  it('fails the step when an approver rejects it', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    const res = await carol.post(`/runs/${runId}/steps/go/reject`, { comment: 'not now' });
    expect(res.status).toBe(200);
    const run = await untilEnded(runId);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'go').error).toMatch(/rejected by carol/);
  });

  it('answers 400 listing unknown body fields before reaching the run', async () => {
    const res = await bob.post('/runs/any-run/steps/go/approve', { coment: 'typo' });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toBe('body');
  });

  it('answers 404 for an unknown run', async () => {
    const res = await bob.post('/runs/no-such-run/steps/go/approve');
    expect(res.status).toBe(404);
  });
});

describe('manual tasks and skips', () => {
  const manualRunbook = { id: 'manual', steps: [{ id: 'vip', action: 'manual', with: { instructions: 'move the VIP' } }] };

  it('completes a manual task with a note and evidence', async () => {
    const runId = await start(manualRunbook);
    await untilStep(runId, 'vip', (s) => s.status === 'waiting');
    const res = await alice.post(`/runs/${runId}/steps/vip/complete`, { outcome: 'done', note: 'moved', evidence: ['https://tickets.example.com/INC-1'] });
    expect(res.status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('completed');
  });

  it('answers 400 for evidence that is not a URL and for a missing outcome', async () => {
    const res = await alice.post('/runs/any-run/steps/vip/complete', { evidence: ['not a url'] });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.evidence.0', 'body.outcome']);
  });

  it('needs a reason to skip a step, then skips the waiting step', async () => {
    const runId = await start(manualRunbook);
    await untilStep(runId, 'vip', (s) => s.status === 'waiting');
    const noReason = await alice.post(`/runs/${runId}/steps/vip/skip`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.issues[0].path).toBe('body.reason');
    expect((await alice.post(`/runs/${runId}/steps/vip/skip`, { reason: 'done by hand' })).status).toBe(200);
    const run = await untilEnded(runId);
    expect(stepOf(run, 'vip').status).toBe('skipped');
  });
});

describe('decisions and retries', () => {
  const failingRunbook = () => ({
    id: 'ask',
    steps: [{ id: 'call', action: 'http', onFailure: 'ask', with: { url: `${target.url}/fail`, expect: 200 } }],
  });

  it('retries a failed step waiting for a decision, then takes the decision to skip it', async () => {
    const runId = await start(failingRunbook());
    await untilStep(runId, 'call', (s) => s.awaitingDecision === true);
    const retried = await alice.post(`/runs/${runId}/steps/call/retry`, { reason: 'try again' });
    expect(retried.status).toBe(200);
    await untilStep(runId, 'call', (s) => s.awaitingDecision === true && s.attempts >= 2);
    const decided = await alice.post(`/runs/${runId}/steps/call/decide`, { decision: 'skip', reason: 'vendor is down' });
    expect(decided.status).toBe(200);
    const run = await untilEnded(runId);
    expect(stepOf(run, 'call').status).toBe('skipped');
  });

  it('answers 409 for a decision no step waits for, and 400 for an unknown decision', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await alice.post(`/runs/${runId}/steps/go/decide`, { decision: 'retry' })).status).toBe(409);
    expect((await alice.post(`/runs/${runId}/steps/go/decide`, { decision: 'panic' })).status).toBe(400);
    await alice.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });
});

describe('pause, resume and abort', () => {
  it('pauses and resumes a run, answering 409 for a second pause', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    const paused = await alice.post(`/runs/${runId}/pause`, { reason: 'vendor call' });
    expect(paused.status).toBe(200);
    expect(paused.body.state.status).toBe('paused');
    expect((await alice.post(`/runs/${runId}/pause`)).status).toBe(409);
    const resumed = await alice.post(`/runs/${runId}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.state.status).toBe('running');
    await alice.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });

  it('aborts a run with a reason, and answers 409 once it has ended', async () => {
    const runId = await start(approvalRunbook);
    await untilStep(runId, 'go', (s) => s.status === 'waiting');
    expect((await alice.post(`/runs/${runId}/abort`, {})).status).toBe(400);
    const res = await alice.post(`/runs/${runId}/abort`, { reason: 'false alarm', rollback: false });
    expect(res.status).toBe(200);
    expect((await untilEnded(runId)).status).toBe('aborted');
    await waitFor(
      'the workflow to close',
      () => lb.client.workflow.getHandle(runId).describe(),
      (d) => d.status.name !== 'RUNNING',
    );
    expect((await alice.post(`/runs/${runId}/abort`, { reason: 'again' })).status).toBe(409);
  });
});
