// The drill programme's pure rules: when a drill is due and why, what counts as overdue, and who hears of it.
import { overdueTargets } from '../../activities/programme';
import type { ChannelRule } from '../../channels';
import type { RunRecord } from '../../contract/run';
import { programmeEntry, type ProgrammeInput } from '../../report/programme';

const drill = (startedAt: string, status: RunRecord['status'] = 'completed'): RunRecord => ({
  runId: `r-${startedAt}`,
  runbookId: 'rb',
  version: 1,
  hash: 'h',
  mode: 'drill',
  status,
  requester: 'alice',
  trigger: { kind: 'api', by: 'alice' },
  parameters: {},
  startedAt,
  recovery: { targetMs: 300_000, achievedMs: 400_000, breached: true, endsAt: 'x' },
});
const input = (o: Partial<ProgrammeInput>): ProgrammeInput => ({
  runbook: { id: 'rb', title: 'RB', version: 2, every: '30d' },
  registeredAt: '2026-01-01T00:00:00.000Z',
  schedules: [],
  openActions: [],
  now: '2026-06-01T00:00:00.000Z',
  ...o,
});

describe('programmeEntry', () => {
  it('dates the next drill by the cadence from the last drill started, whatever its result', () => {
    const e = programmeEntry(input({ lastDrill: drill('2026-05-20T00:00:00.000Z', 'failed') }));
    expect(e.nextDue).toEqual({ at: '2026-06-19T00:00:00.000Z', by: 'cadence' });
    expect(e.overdue).toBe(false);
    expect(e.lastDrill).toEqual({
      runId: 'r-2026-05-20T00:00:00.000Z',
      startedAt: '2026-05-20T00:00:00.000Z',
      status: 'failed',
      recovery: { targetMs: 300_000, achievedMs: 400_000, breached: true },
    });
  });

  it('dates a runbook never drilled from its registration, and marks it overdue since then plus the cadence', () => {
    const e = programmeEntry(input({}));
    expect(e).toMatchObject({ overdue: true, overdueSince: '2026-01-31T00:00:00.000Z', nextDue: { at: '2026-01-31T00:00:00.000Z', by: 'cadence' } });
  });

  it('takes the next active schedule when it comes first, and says which', () => {
    const schedules = [
      { id: 'paused', paused: true, nextAt: '2026-06-02T00:00:00.000Z' },
      { id: 'weekly', paused: false, nextAt: '2026-06-05T00:00:00.000Z' },
      { id: 'monthly', paused: false, nextAt: '2026-06-25T00:00:00.000Z' },
    ];
    const e = programmeEntry(input({ lastDrill: drill('2026-05-20T00:00:00.000Z'), schedules }));
    expect(e.nextDue).toEqual({ at: '2026-06-05T00:00:00.000Z', by: 'schedule', scheduleId: 'weekly' });
    expect(programmeEntry(input({ runbook: { id: 'rb', title: 'RB', version: 1 }, schedules })).nextDue).toMatchObject({ by: 'schedule', scheduleId: 'weekly' });
  });

  it('is never overdue without a cadence, schedule or not', () => {
    const e = programmeEntry(input({ runbook: { id: 'rb', title: 'RB', version: 1 } }));
    expect(e).toMatchObject({ overdue: false });
    expect(e.nextDue).toBeUndefined();
  });

  it('shows only the notice of the current overdue period', () => {
    const notice = { dueAt: '2026-01-31T00:00:00.000Z', createdAt: '2026-02-01T00:00:00.000Z', recipients: ['a@example.com'], deliveries: [] };
    expect(programmeEntry(input({ notice })).notice).toEqual(notice);
    expect(programmeEntry(input({ notice, lastDrill: drill('2026-04-01T00:00:00.000Z') })).notice).toBeUndefined();
  });
});

describe('overdueTargets', () => {
  const rules: ChannelRule[] = [
    { channel: 'email', recipients: ['dba@example.com'], events: ['run.failed'] },
    { channel: 'email', recipients: ['{{ params.oncall }}'], events: ['run.started'] },
    { channel: 'webhook', url: 'https://chat.example.com/hook', events: ['run.finished'], format: 'chat' },
    { channel: 'pagerduty', routingKey: '{{ secrets.PD }}', events: ['run.failed'] },
  ];
  const defaults: ChannelRule[] = [{ channel: 'email', recipients: ['dr-team@example.com'], events: ['run.failed'] }];

  it('mails an owner that is an address, or several', () => {
    expect(overdueTargets('owner@example.com', rules, defaults)).toEqual([{ channel: 'email', to: ['owner@example.com'] }]);
    expect(overdueTargets('a@example.com, b@example.com', rules, defaults)).toHaveLength(2);
  });

  it("otherwise uses the runbook's literal email and webhook rules, not PagerDuty or templates, then the defaults", () => {
    expect(overdueTargets('Payments team', rules, defaults)).toEqual([
      { channel: 'email', to: ['dba@example.com'] },
      { channel: 'webhook', url: 'https://chat.example.com/hook', format: 'chat' },
    ]);
    expect(overdueTargets(undefined, [rules[3]!], defaults)).toEqual([{ channel: 'email', to: ['dr-team@example.com'] }]);
    expect(overdueTargets(undefined, [], [])).toEqual([]);
  });
});
