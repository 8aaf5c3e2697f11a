// The drill programme (issue 14, point 7): GET /programme and `lifeboat programme`, its gauges, and the notice to a
// runbook's owner when its drill is overdue — once per overdue period, however often the check runs, whatever fails.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import { PROGRAMME } from '../../contract/names';
import type { RunRecord } from '../../contract/run';
import { Programme, type ProgrammeEntry } from '../../report/programme';
import { drillNoticeId } from '../../store/programme';
import { ensureDrillCheckSchedule } from '../../temporal/programme';
import { saveRun } from '../../store/runs';
import { drillProgrammeWorkflow, type ProgrammeCheck } from '../../workflows/programme';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { drillRecord } from '../harness/records';
import { receivedMail } from '../harness/mail';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith, tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let admin: ReturnType<typeof apiClient>;

const entryOf = async (runbook: string): Promise<ProgrammeEntry> => {
  const res = await admin.get(`/programme?runbook=${runbook}`);
  expect(res.status).toBe(200);
  const programme = Programme.parse(res.body);
  expect(programme.runbooks.map((e) => e.runbook.id)).toEqual([runbook]);
  return programme.runbooks[0]!;
};

/** One check of the programme, as the schedule starts it, with `now` injected and limited to the test's runbooks. */
const check = (runbooks: string[], now?: string): Promise<ProgrammeCheck> =>
  lb.client.workflow.execute(drillProgrammeWorkflow, { taskQueue: lb.taskQueue, workflowId: `check-${randomUUID()}`, args: [{ now, runbooks }] });

/** Waits until every workflow delivering this notice has ended. */
const noticeSettled = async (runbook: string, dueAt: string) => {
  const handle = lb.client.workflow.getHandle(PROGRAMME.noticeWorkflowId(lb.taskQueue, drillNoticeId(runbook, dueAt)));
  await handle.result();
};

const mailTo = async (address: string) => (await receivedMail()).filter((m) => m.envelopeTo.includes(address));

/** A drill's record as the worker writes it: the programme reads nothing else of a run. */
async function pastDrill(runbookId: string, startedAt: string): Promise<RunRecord> {
  const record = drillRecord({
    runbookId,
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + 240_000).toISOString(),
    recovery: { targetMs: 300_000, achievedMs: 240_000, breached: false },
  });
  await saveRun(lb.store.db, record);
  return record;
}

beforeAll(async () => {
  lb = await startTestLifeboat();
  admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
});
afterAll(async () => {
  await lb?.stop();
});

describe('GET /programme', () => {
  it('shows a finished drill with its result, RTO and open actions, and drops an action once it is closed', async () => {
    const runbook = await registerRunbook(lb, {
      id: 'programme-drill',
      owner: 'DR team',
      objectives: { rto: '5m' },
      successCriteria: [{ statement: 'The pause ends.', step: 'pause' }],
      drill: { every: '30d' },
      steps: [{ id: 'pause', action: 'wait', with: { duration: '10ms' } }],
    });
    const never = await entryOf(runbook);
    expect(never).toMatchObject({ owner: 'DR team', every: '30d', overdue: false, openActions: { count: 0 }, nextDue: { by: 'cadence' } });
    expect(never.lastDrill).toBeUndefined();

    const started = await admin.post('/runs', { runbook, mode: 'drill' });
    expect(started.status).toBe(201);
    const runId: string = started.body.runId;
    const ended = await waitFor(
      `${runId} to end`,
      async () => (await admin.get(`/runs/${runId}`)).body,
      (r: Json) => r.status !== 'running',
    );
    const carol = await clientWith(lb, ['operator'], 'carol');
    expect((await carol.post(`/runs/${runId}/findings`, { title: 'Pause too short to matter', severity: 'low', owner: 'dave', due: '2027-01-31' })).status).toBe(201);

    const entry = await entryOf(runbook);
    expect(entry.lastDrill).toMatchObject({ runId, status: 'completed', startedAt: ended.startedAt, recovery: { targetMs: 300_000, breached: false } });
    expect(entry.lastDrill?.recovery.achievedMs).toEqual(expect.any(Number));
    expect(entry.nextDue).toEqual({ at: new Date(Date.parse(ended.startedAt) + 30 * 86_400_000).toISOString(), by: 'cadence' });
    expect(entry.overdue).toBe(false);
    expect(entry.openActions).toEqual({
      count: 1,
      items: [{ runId, id: 'F1', title: 'Pause too short to matter', severity: 'low', owner: 'dave', due: '2027-01-31', status: 'open' }],
    });
    // The run's report gives the same due date as the programme.
    expect((await admin.get(`/runs/${runId}/report`)).body.programme.nextDueAt).toBe(entry.nextDue?.at);

    const html = await admin.get(`/programme?runbook=${runbook}`, { accept: 'text/html' });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html.body).toContain('Drill programme');
    expect(html.body).toContain(runId);
    expect(html.body).toContain('Pause too short to matter');

    expect((await carol.raw('PATCH', `/runs/${runId}/findings/F1`, { status: 'done', note: 'longer pause' })).status).toBe(200);
    expect((await entryOf(runbook)).openActions).toEqual({ count: 0, items: [] });
  });

  it('says when the next scheduled drill comes before the cadence', async () => {
    const runbook = await registerRunbook(lb, { id: 'programme-scheduled', drill: { every: '90d' }, steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] });
    const scheduleId = `programme-${randomUUID().slice(0, 8)}`;
    expect((await admin.post('/schedules', { id: scheduleId, runbook, every: '24h', paused: false })).status).toBe(201);
    try {
      // Temporal lists schedules from its visibility store, which catches up with a create shortly after.
      const entry = await waitFor(
        'the schedule in the programme',
        () => entryOf(runbook),
        (e) => e.schedules.length > 0,
      );
      expect(entry.schedules).toEqual([{ id: scheduleId, paused: false, nextAt: expect.any(String) }]);
      expect(entry.nextDue).toEqual({ at: entry.schedules[0]!.nextAt, by: 'schedule', scheduleId });
    } finally {
      await admin.raw('DELETE', `/schedules/${scheduleId}`);
    }
  });

  it('is read by a viewer and refused without a token as problem+json', async () => {
    const runbook = await registerRunbook(lb, { id: 'programme-viewer', steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] });
    const viewer = await clientWith(lb, ['viewer']);
    // One runbook: the suite's store holds every test file's runbooks, and reading them all is not what this checks.
    const res = await viewer.get(`/programme?runbook=${runbook}`);
    expect(res.status).toBe(200);
    expect(Programme.safeParse(res.body).success).toBe(true);
    const anonymous = await apiClient(lb.url).get('/programme');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await admin.get('/programme?runbook=no-such-runbook')).status).toBe(404);
  });

  it('is printed by lifeboat programme, as a table and as JSON', async () => {
    const runbook = await registerRunbook(lb, { id: 'programme-cli', owner: 'ops', drill: { every: '2w' }, steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] });
    const run = await pastDrill(runbook, '2026-11-01T03:00:00.000Z');
    const { token } = await tokenWith(lb, ['viewer']);
    const cli = async (...args: string[]) => {
      const out = { stdout: '', stderr: '' };
      const io = { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env: { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: token } };
      return { code: await main(args, { ...io, cwd: mkdtempSync(path.join(tmpdir(), 'lifeboat-programme-')) }), ...out };
    };
    const shown = await cli('programme', '--runbook', runbook);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/RUNBOOK\s+OWNER\s+CADENCE\s+LAST DRILL\s+RESULT\s+RTO\s+NEXT DUE\s+OVERDUE\s+OPEN ACTIONS/);
    expect(shown.stdout).toContain(`${runbook}  ops`);
    expect(shown.stdout).toContain(`2026-11-01 03:00 ${run.runId}`);
    expect(shown.stdout).toContain('since 2026-11-15 03:00');
    const json = await cli('programme', '--runbook', runbook, '--json');
    expect(Programme.parse(JSON.parse(json.stdout)).runbooks[0]).toMatchObject({ overdue: true, overdueSince: '2026-11-15T03:00:00.000Z' });
    expect((await cli('programme', 'extra')).code).toBe(2);
  });
});

describe('the overdue notice', () => {
  it('mails the owner once per overdue period, however many checks run, at once or after a lost record', async () => {
    const owner = `owner-${randomUUID().slice(0, 8)}@example.com`;
    const runbook = await registerRunbook(lb, { id: 'programme-late', owner, drill: { every: '1d' }, steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] });
    const first = await pastDrill(runbook, '2026-11-01T03:00:00.000Z');
    const dueAt = '2026-11-02T03:00:00.000Z';
    const now = '2026-11-03T00:00:00.000Z';

    const checks = await Promise.all([check([runbook], now), check([runbook], now), check([runbook], now)]);
    expect(checks.every((c) => c.overdue === 1)).toBe(true);
    await noticeSettled(runbook, dueAt);
    const mails = await waitFor(
      `the notice to ${owner}`,
      () => mailTo(owner),
      (m) => m.length > 0,
    );
    expect(mails[0]?.subject).toContain('Drill overdue');
    expect(mails[0]?.text).toContain(first.runId);
    expect((await check([runbook], now)).notices).toEqual([]); // sent: later checks leave it alone
    expect(await mailTo(owner)).toHaveLength(1);
    const entry = await entryOf(runbook);
    expect(entry).toMatchObject({ overdue: true, overdueSince: dueAt, notice: { dueAt, recipients: [owner], sentAt: expect.any(String) } });
    expect(entry.notice?.deliveries).toEqual([expect.objectContaining({ channel: 'email', target: owner, sent: true, delivery: 'sent' })]);

    // The worst moment: the mail went out and the worker died before the notice recorded it. The next check sends
    // it again under the same key, and the delivery record keeps it from reaching the owner twice.
    await lb.store.db.collection('drill_notices').updateOne({ _id: drillNoticeId(runbook, dueAt) } as Json, { $unset: { sentAt: '' }, $set: { outcomes: [] } });
    expect((await check([runbook], now)).notices).toEqual([drillNoticeId(runbook, dueAt)]);
    await noticeSettled(runbook, dueAt);
    expect((await entryOf(runbook)).notice?.deliveries).toEqual([expect.objectContaining({ sent: true, delivery: 'sent (already delivered)' })]);
    expect(await mailTo(owner)).toHaveLength(1);

    // A drill ends the period; once the next due date passes, a new period has its own notice.
    await pastDrill(runbook, '2026-11-05T03:00:00.000Z');
    expect((await check([runbook], '2026-11-05T12:00:00.000Z')).overdue).toBe(0);
    expect((await check([runbook], '2026-11-07T00:00:00.000Z')).notices).toEqual([drillNoticeId(runbook, '2026-11-06T03:00:00.000Z')]);
    await noticeSettled(runbook, '2026-11-06T03:00:00.000Z');
    await waitFor(
      'the second notice',
      () => mailTo(owner),
      (m) => m.length === 2,
    );
  });

  it("goes to the runbook's webhook when the owner is not an address, retried through failures until it is accepted once", async () => {
    const hook = await startTarget((_path, n) => (n === 1 ? { status: 503 } : n === 2 ? { status: 400 } : { status: 200 }));
    try {
      const runbook = await registerRunbook(lb, {
        id: 'programme-hook',
        owner: 'Payments team',
        drill: { every: '1d' },
        notifications: [{ channel: 'webhook', url: `${hook.url}/hook`, events: ['run.failed'] }],
        steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }],
      });
      await pastDrill(runbook, '2026-11-01T03:00:00.000Z');
      const dueAt = '2026-11-02T03:00:00.000Z';
      // 503 is retried within the check; 400 will not change, so the notice waits for the next check.
      await check([runbook], '2026-11-03T00:00:00.000Z');
      await noticeSettled(runbook, dueAt);
      const failed = await entryOf(runbook);
      expect(failed.notice?.sentAt).toBeUndefined();
      expect(failed.notice?.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', sent: false, tries: 2, delivery: 'failed after 2 tries' })]);
      await check([runbook], '2026-11-03T00:10:00.000Z');
      await noticeSettled(runbook, dueAt);
      const sent = await entryOf(runbook);
      expect(sent.notice?.sentAt).toEqual(expect.any(String));
      expect(hook.count('/hook')).toBe(3);
      expect(JSON.parse(hook.calls[2]!.body)).toMatchObject({ event: 'drill.overdue', runbook: { id: runbook } });
    } finally {
      await hook.close();
    }
  });
});

describe('a check of a runbook that is not registered', () => {
  it('fails at once, naming it, instead of retrying', async () => {
    await expect(check([`no-such-runbook-${randomUUID().slice(0, 8)}`])).rejects.toMatchObject({ cause: { cause: { message: expect.stringContaining('is not registered') } } });
  });
});

describe('programme gauges', () => {
  it('give each checked runbook its last drill time and whether it is overdue', async () => {
    const steps = [{ id: 'w', action: 'wait', with: { duration: '10ms' } }];
    const late = await registerRunbook(lb, { id: 'gauge-late', drill: { every: '7d' }, steps });
    const onTime = await registerRunbook(lb, { id: 'gauge-ok', drill: { every: '9999d' }, steps });
    const never = await registerRunbook(lb, { id: 'gauge-never', steps });
    await pastDrill(late, '2026-10-01T00:00:00.000Z');
    await pastDrill(onTime, '2026-11-01T00:00:00.000Z');
    await check([late, onTime, never]); // at the workflow's own clock
    const res = await admin.get('/metrics');
    expect(res.status).toBe(200);
    const text: string = res.body;
    const value = (name: string, runbook: string) => new RegExp(`^${name}\\{runbook="${runbook}"\\} (\\S+)$`, 'm').exec(text)?.[1];
    expect(value('lifeboat_runbook_last_drill_timestamp_seconds', late)).toBe(String(Date.parse('2026-10-01T00:00:00.000Z') / 1000));
    expect(value('lifeboat_runbook_last_drill_timestamp_seconds', onTime)).toBe(String(Date.parse('2026-11-01T00:00:00.000Z') / 1000));
    expect(value('lifeboat_runbook_last_drill_timestamp_seconds', never)).toBeUndefined();
    expect(value('lifeboat_runbook_drill_overdue', late)).toBe('1');
    expect(value('lifeboat_runbook_drill_overdue', onTime)).toBe('0');
    expect(value('lifeboat_runbook_drill_overdue', never)).toBe('0');
  });
});

describe('the check schedule', () => {
  it('is kept by the worker: created once, its interval updated, deleted when the check is off', async () => {
    const o = { namespace: 'default', taskQueue: `check-${randomUUID()}` };
    const connection = lb.client.connection;
    expect(await ensureDrillCheckSchedule(connection, { ...o, everyMs: 3_600_000 })).toBe('created');
    expect(await ensureDrillCheckSchedule(connection, { ...o, everyMs: 3_600_000 })).toBe('unchanged');
    expect(await ensureDrillCheckSchedule(connection, { ...o, everyMs: 7_200_000 })).toBe('updated');
    const d = await lb.client.schedule.getHandle(PROGRAMME.checkScheduleId(o.taskQueue)).describe();
    expect(d.spec.intervals).toEqual([expect.objectContaining({ every: 7_200_000 })]);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'drillProgrammeWorkflow', taskQueue: o.taskQueue });
    expect(d.policies.overlap).toBe('SKIP');
    expect(await ensureDrillCheckSchedule(connection, { ...o, everyMs: undefined })).toBe('deleted');
    expect(await ensureDrillCheckSchedule(connection, { ...o, everyMs: undefined })).toBe('off');
  });
});
