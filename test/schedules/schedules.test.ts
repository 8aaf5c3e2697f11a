import { ScheduleNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let api: ReturnType<typeof apiClient>;
let runbook: string;
const created: string[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  api = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
  runbook = await registerRunbook(lb, {
    id: 'sched',
    objectives: { rto: '5m' },
    parameters: { region: { type: 'string', default: 'eu' }, replicas: { type: 'number', default: 1 } },
    steps: [
      { id: 'pause', action: 'wait', with: { duration: '200ms' } },
      { id: 'switch', action: 'wait', with: { duration: '10ms' }, needs: ['pause'], drill: 'simulate' },
    ],
  });
});
afterAll(async () => {
  // The suite's Temporal server outlives this file: schedules left behind would go on starting drills.
  await Promise.all(
    created.map((id) =>
      lb.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined),
    ),
  );
  await lb?.stop();
});

/** Creates a schedule through the API under a unique id; returns the id and the answer. */
async function createSchedule(body: Record<string, unknown>) {
  const id = `drill-${randomUUID().slice(0, 8)}`;
  created.push(id);
  const res = await api.post('/schedules', { id, runbook, ...body });
  return { id, res };
}

describe('POST /schedules', () => {
  it('creates a Temporal schedule whose action starts a drill of the runbook by reference', async () => {
    const { id, res } = await createSchedule({
      cron: '0 3 * * MON',
      timezone: 'Europe/Paris',
      parameters: { region: 'us' },
      overlap: 'buffer_one',
      paused: true,
      note: 'quarterly',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/schedules/${id}`);
    expect(res.body).toMatchObject({
      id,
      runbook,
      cron: '0 3 * * MON',
      timezone: 'Europe/Paris',
      paused: true,
      note: 'quarterly',
      overlap: 'buffer_one',
      parameters: { region: 'us' },
      recentRuns: [],
    });
    expect(res.body.nextActionTimes).toHaveLength(10);
    // Mondays at 03:00 in Paris, which is UTC+1 in winter and UTC+2 in summer.
    for (const t of res.body.nextActionTimes as string[]) {
      const d = new Date(t);
      expect([d.getUTCDay(), d.getUTCMinutes(), [1, 2].includes(d.getUTCHours())]).toEqual([1, 0, true]);
    }

    const d = await lb.client.schedule.getHandle(id).describe();
    expect(d.spec.timezone).toBe('Europe/Paris');
    expect(d.spec.calendars).toHaveLength(1);
    expect(d.state).toMatchObject({ paused: true, note: 'quarterly' });
    expect(d.policies.overlap).toBe('BUFFER_ONE');
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'runbookWorkflow', taskQueue: lb.taskQueue, workflowId: id });
    expect(d.action.args).toEqual([
      {
        ref: { id: runbook },
        mode: 'drill',
        parameters: { region: 'us' },
        requester: `schedule:${id}`,
        trigger: { kind: 'schedule', by: id },
        proof: expect.objectContaining({ mac: expect.any(String) }),
      },
    ]);
    expect(d.action.searchAttributes).toEqual({ LifeboatRunbookId: [runbook], LifeboatMode: ['drill'], LifeboatStatus: ['running'] });
  });

  it('accepts an interval and a pinned version', async () => {
    const { id, res } = await createSchedule({ every: '1h30m', version: 1, paused: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ every: '1h30m', version: 1, overlap: 'skip' });
    const d = await lb.client.schedule.getHandle(id).describe();
    expect(d.spec.intervals).toEqual([expect.objectContaining({ every: 90 * 60_000 })]);
    expect(d.action.args?.[0]).toMatchObject({ ref: { id: runbook, version: 1 } });
  });

  it.each([
    [{ cron: '61 * * * *' }, 'body.cron', /Minute is not in range/],
    [{ cron: 'every monday' }, 'body.cron', /fields/],
    [{ cron: '0 3 * * *', timezone: 'Mars/Olympus' }, 'body.timezone', /unknown time zone/],
    [{ every: 'weekly' }, 'body.every', /not a duration/],
    [{ cron: '0 3 * * *', every: '1h' }, 'body.every', /not both/],
    [{}, 'body.cron', /give cron/],
    [{ every: '1h', parameters: { replicas: 'three' } }, 'body.parameters.replicas', /expected a number/],
    [{ every: '1h', overlap: 'sometimes' }, 'body.overlap', /./],
  ])('answers 400 at the field for %j', async (body, path, message) => {
    const { id, res } = await createSchedule(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
    await expect(lb.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('answers 404 for an unknown runbook or version and 409 for an existing id', async () => {
    const unknown = await api.post('/schedules', { id: `x-${randomUUID().slice(0, 8)}`, runbook: 'no-such-runbook', every: '1h' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('no-such-runbook');
    expect((await createSchedule({ every: '1h', version: 99 })).res.status).toBe(404);

    const { id } = await createSchedule({ every: '1h', paused: true });
    const again = await api.post('/schedules', { id, runbook, every: '2h' });
    expect(again.status).toBe(409);
  });
});

describe('running scheduled drills', () => {
  it('starts a drill recorded as started by the schedule when triggered now', async () => {
    const { id } = await createSchedule({ every: '24h', parameters: { region: 'us' }, paused: true });
    const trigger = await api.post(`/schedules/${id}/trigger`);
    expect(trigger.status).toBe(202);
    expect(trigger.body).toMatchObject({ scheduleId: id });

    const schedule = await waitFor(
      `schedule ${id} to start a drill that completes`,
      async () => (await api.get(`/schedules/${id}`)).body,
      (s: Json) => s.recentRuns?.[0]?.status === 'completed',
      30_000,
    );
    expect(schedule.recentRuns).toHaveLength(1);
    expect(schedule.actionsTaken).toBe(1);
    const runId: string = schedule.recentRuns[0].runId;
    expect(runId.startsWith(`${id}-`)).toBe(true);

    const run = (await api.get(`/runs/${encodeURIComponent(runId)}`)).body;
    expect(run).toMatchObject({
      runId,
      runbookId: runbook,
      version: 1,
      mode: 'drill',
      status: 'completed',
      trigger: { kind: 'schedule', by: id },
      requester: `schedule:${id}`,
      parameters: { region: 'us', replicas: 1 },
    });
    expect(run.state.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['pause', 'succeeded'],
      ['switch', 'simulated'],
    ]);
    const listed = (await api.get(`/runs?runbook=${runbook}&mode=drill`)).body.runs.map((r: Json) => r.runId);
    expect(listed).toContain(runId);
  });
});

describe('managing schedules', () => {
  it('lists, pauses, resumes and deletes a schedule', async () => {
    const { id } = await createSchedule({ cron: '30 2 1 * *' });
    const listed = await waitFor(
      'the schedule to be listed',
      async () => (await api.get('/schedules')).body.schedules as Json[],
      (all) => all.some((s) => s.id === id),
    );
    expect(listed.find((s) => s.id === id)).toMatchObject({ id, runbook, cron: '30 2 1 * *', paused: false, recentRuns: [] });

    const paused = await api.post(`/schedules/${id}/pause`, { note: 'change freeze' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, note: 'change freeze' });
    expect((await lb.client.schedule.getHandle(id).describe()).state.paused).toBe(true);

    const resumed = await api.post(`/schedules/${id}/resume`);
    expect(resumed.body).toMatchObject({ paused: false, note: 'resumed by admin' });

    expect((await api.raw('DELETE', `/schedules/${id}`)).status).toBe(204);
    await expect(lb.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await api.get(`/schedules/${id}`)).status).toBe(404);
    expect((await api.post(`/schedules/${id}/trigger`)).status).toBe(404);
  });

  it('hides Temporal schedules that are not drills of this deployment', async () => {
    const id = `foreign-${randomUUID().slice(0, 8)}`;
    created.push(id);
    await lb.client.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every: '1h' }] },
      state: { paused: true },
      action: { type: 'startWorkflow', workflowType: 'somethingElse', taskQueue: 'elsewhere', args: [] },
    });
    expect((await api.get(`/schedules/${id}`)).status).toBe(404);
    expect((await api.raw('DELETE', `/schedules/${id}`)).status).toBe(404);
    expect((await lb.client.schedule.getHandle(id).describe()).scheduleId).toBe(id);
  });

  it('lets viewers read and only admins change schedules', async () => {
    const { id } = await createSchedule({ every: '12h', paused: true });
    const viewer = await clientWith(lb, ['viewer']);
    const operator = await clientWith(lb, ['operator']);
    expect((await viewer.get(`/schedules/${id}`)).status).toBe(200);
    expect((await viewer.get('/schedules')).status).toBe(200);
    expect((await viewer.post(`/schedules/${id}/trigger`)).status).toBe(403);
    expect((await operator.post(`/schedules/${id}/pause`)).status).toBe(403);
    expect((await operator.post('/schedules', { id: `op-${randomUUID().slice(0, 8)}`, runbook, every: '1h' })).status).toBe(403);
    expect((await apiClient(lb.url).get('/schedules')).status).toBe(401);
  });
});
