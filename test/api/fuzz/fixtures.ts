// What the fuzzer needs to reach the humans-in-the-loop routes: runs waiting on an approval, a manual task and a
// failed step's decision, each its own run so that one operation's success does not end another's target.

/** A client of the API under test, as the admin. */
export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: unknown }>;

const RUNBOOKS = [
  { id: 'fuzz-approval', title: 'Fuzz: an approval', steps: [{ id: 'go', action: 'approval', with: { approvers: ['admin'] } }] },
  { id: 'fuzz-quick', title: 'Fuzz: a run that ends at once', steps: [{ id: 'pause', action: 'wait', with: { duration: '10ms' } }] },
  { id: 'fuzz-manual', title: 'Fuzz: a manual task', steps: [{ id: 'switch', action: 'manual', with: { instructions: 'switch the VIP by hand' } }] },
  {
    id: 'fuzz-ask',
    title: 'Fuzz: a failed step that asks what next',
    // Port 9 (discard) refuses at once on a machine that runs nothing there: the step fails on its first attempt.
    steps: [{ id: 'call', action: 'http', with: { url: 'http://127.0.0.1:9/', method: 'GET' }, retry: { attempts: 1 }, onFailure: 'ask' }],
  },
];

/** The run and step each control operation is fuzzed against (operationId → path parameters). */
export type Targets = Record<string, { id: string; stepId?: string; fid?: string }>;

/**
 * Registers the fixture runbooks and starts one run per control operation, as a separate operator (admin may not
 * approve their own run), then waits until each run waits for people.
 */
export async function prepareTargets(admin: Call, operator: Call): Promise<Targets> {
  for (const rb of RUNBOOKS) expectStatus(await admin('POST', '/runbooks', rb), [200, 201], `upload ${rb.id}`);
  const start = async (runbook: string) => {
    const res = expectStatus(await operator('POST', '/runs', { runbook, mode: 'recovery' }), [201], `start ${runbook}`);
    return (res.body as { runId: string }).runId;
  };
  const targets: Targets = {
    approveStep: { id: await start('fuzz-approval'), stepId: 'go' },
    rejectStep: { id: await start('fuzz-approval'), stepId: 'go' },
    completeManualStep: { id: await start('fuzz-manual'), stepId: 'switch' },
    skipStep: { id: await start('fuzz-manual'), stepId: 'switch' },
    decideStep: { id: await start('fuzz-ask'), stepId: 'call' },
    retryStep: { id: await start('fuzz-ask'), stepId: 'call' },
    pauseRun: { id: await start('fuzz-manual') },
    resumeRun: { id: await start('fuzz-manual') },
    abortRun: { id: await start('fuzz-manual') },
  };
  for (const [op, t] of Object.entries(targets)) await waitForPeople(admin, t.id, op);
  // The reads of a run get a run that has ended: its stream ends, and its report is final.
  const ended = await start('fuzz-quick');
  await waitUntil(admin, ended, 'fuzz-quick', (s) => s?.status === 'completed');
  for (const op of ['getRun', 'getRunTimeline', 'verifyRunTimeline', 'getRunReport', 'streamRunEvents', 'listRunFindings', 'addRunFinding', 'signOffRunReport', 'getRunSignOff']) {
    targets[op] = { id: ended };
  }
  // A finding to read and change (the admin recorded it, so the admin may change it).
  expectStatus(
    await admin('POST', `/runs/${encodeURIComponent(ended)}/findings`, { title: 'fuzz', severity: 'low', owner: 'admin', due: '2027-01-01' }),
    [201],
    'record a finding',
  );
  for (const op of ['getRunFinding', 'updateRunFinding']) targets[op] = { id: ended, fid: 'F1' };
  // resumeRun needs a paused run to resume.
  expectStatus(await admin('POST', `/runs/${encodeURIComponent(targets.resumeRun!.id)}/pause`, { reason: 'fuzz: resume me' }), [200], 'pause the resumeRun target');
  return targets;
}

type LiveState = { status?: string; waitingFor?: unknown[] } | null | undefined;

function waitForPeople(admin: Call, runId: string, op: string): Promise<void> {
  return waitUntil(admin, runId, op, (s) => (s?.waitingFor ?? []).length > 0);
}

async function waitUntil(admin: Call, runId: string, what: string, done: (state: LiveState) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await admin('GET', `/runs/${encodeURIComponent(runId)}`);
    if (res.status === 200 && done((res.body as { state?: LiveState }).state)) return;
    if (Date.now() > deadline) throw new Error(`fixture run ${runId} (for ${what}) is not ready after 60 s; last answer: ${JSON.stringify(res.body).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function expectStatus<T extends { status: number; body: unknown }>(res: T, ok: number[], what: string): T {
  if (!ok.includes(res.status)) throw new Error(`fixture: ${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  return res;
}
