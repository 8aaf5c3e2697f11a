// Notifications of real runs: the engine routes each event and delivers it through sendNotification on the suite's
// Temporal, FerretDB and SMTP catcher.
import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import type { TimelineEvent } from '../../timeline/event';
import { approveStepUpdate } from '../../contract/messages';
import { startTestLifeboat } from '../harness/lifeboat';
import { receivedMail, waitForMail } from '../harness/mail';
import { startRun } from '../harness/runs';
import { startReceiver } from './receiver';

const WEBHOOK_SECRET = 'whsec-run-test-0123456789';
const PUBLIC = 'https://lifeboat.example.test';
const DEFAULT_ROUTE = `dr-team-${randomUUID().slice(0, 8)}@example.com`;

let lb: Lifeboat & { taskQueue: string; adminToken: string };
beforeAll(async () => {
  lb = await startTestLifeboat({ LIFEBOAT_PUBLIC_URL: PUBLIC, LIFEBOAT_WEBHOOK_SECRET: WEBHOOK_SECRET, LIFEBOAT_NOTIFY_EMAIL: DEFAULT_ROUTE });
});
afterAll(async () => {
  await lb?.stop();
});

const address = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const of = (events: TimelineEvent[], type: string) => events.filter((e) => e.type === type);
const sentTo = (to: string) => async () => (await receivedMail()).filter((m) => m.envelopeTo.includes(to));

describe('notifications of a run', () => {
  it('emails the start of a drill with a [DRILL] subject and records each delivery on the timeline', async () => {
    const to = address('drill-start');
    const run = await startRun(
      lb,
      {
        title: 'Notify drill',
        notifications: [{ channel: 'email', recipients: [to], events: ['run.started', 'run.finished'] }],
        steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }],
      },
      { mode: 'drill' },
    );
    expect((await run.result()).status).toBe('completed');

    const [started] = await waitForMail((m) => m.envelopeTo.includes(to) && (m.subject ?? '').includes('started'));
    expect(started!.subject).toBe('[DRILL] Run started: Notify drill');
    expect(started!.text).toContain(`Open the run: ${PUBLIC}/runs/${run.runId}`);
    const [finished] = await waitForMail((m) => m.envelopeTo.includes(to) && (m.subject ?? '').includes('completed'));
    expect(finished!.subject).toBe('[DRILL] Run completed: Notify drill');

    const sent = of(await run.events(), 'notification.sent').map((e) => e.detail);
    expect(sent).toEqual([expect.objectContaining({ event: 'run.started', channel: 'email' }), expect.objectContaining({ event: 'run.completed', channel: 'email' })]);
  });

  it('escalates a pending approval after the configured delay, to the escalation targets', async () => {
    const escalate = address('escalation');
    const run = await startRun(lb, {
      title: 'Escalating approval',
      steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'], escalate: { after: '2s', notify: [escalate] } } }],
    });
    const [mail] = await waitForMail((m) => m.envelopeTo.includes(escalate), 30_000);
    expect(mail!.subject).toBe('Escalation: approval of go in Escalating approval is still pending');
    expect(mail!.text).toContain(`lifeboat approve ${run.runId} go`);

    const events = await run.events();
    const requested = of(events, 'approval.requested')[0]!;
    const escalated = of(events, 'approval.escalated')[0]!;
    expect(Date.parse(escalated.at) - Date.parse(requested.at)).toBeGreaterThanOrEqual(2000);

    await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', actor: 'bob', roles: ['dba'], decision: 'approve' }] });
    expect((await run.result()).status).toBe('completed');
  });

  it('does not escalate an approval granted before the delay, though the run outlives it', async () => {
    const escalate = address('no-escalation');
    const run = await startRun(lb, {
      title: 'Approved in time',
      steps: [
        { id: 'go', action: 'approval', with: { approvers: ['dba'], escalate: { after: '2s', notify: [escalate] } } },
        // Keeps the run going past the moment the escalation was due, so a timer left running would mail.
        { id: 'after', action: 'wait', with: { duration: '4s' }, needs: ['go'] },
      ],
    });
    await run.until('the approval to wait', (s) => s.steps[0]?.status === 'waiting');
    await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', actor: 'bob', roles: ['dba'], decision: 'approve' }] });
    // The run ends only after every notification it started has been delivered or recorded as failed.
    const final = await run.result();
    expect(final.status).toBe('completed');
    const events = await run.events();
    const requested = Date.parse(of(events, 'approval.requested')[0]!.at);
    expect(Date.parse(of(events, 'approval.granted')[0]!.at) - requested).toBeLessThan(2000);
    expect(Date.parse(final.finishedAt!) - requested).toBeGreaterThanOrEqual(3000);
    expect(of(events, 'approval.escalated')).toEqual([]);
    expect(of(events, 'notification.sent').map((e) => e.detail)).not.toContainEqual(expect.objectContaining({ event: 'approval.escalated' }));
    expect(await sentTo(escalate)()).toEqual([]);
  });

  it('keeps a run green when a notification cannot be delivered, and records the failure', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET, [404, 404, 404]);
    try {
      const run = await startRun(lb, {
        title: 'Unreachable chat',
        notifications: [{ channel: 'webhook', url: `${receiver.url}/gone`, format: 'chat', events: ['run.started'] }],
        steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }],
      });
      expect((await run.result()).status).toBe('completed');
      const [failed] = of(await run.events(), 'notification.failed');
      expect(failed!.detail).toMatchObject({ event: 'run.started', channel: 'webhook', error: expect.stringContaining('answered 404') });
      expect(receiver.received[0]!.signatureValid).toBe(true);
    } finally {
      await receiver.stop();
    }
  });

  it("sends every failure to the configuration's default route, whatever the runbook says", async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET, [503]);
    try {
      const run = await startRun(lb, {
        title: 'Failing call',
        steps: [{ id: 'call', action: 'http', with: { method: 'POST', url: `${receiver.url}/promote` } }],
      });
      expect((await run.result()).status).toBe('failed');
      const [stepFailed] = await waitForMail((m) => m.envelopeTo.includes(DEFAULT_ROUTE) && (m.subject ?? '') === 'Step failed: call in Failing call');
      expect(stepFailed!.text).toContain('answered 503');
      const [runFailed] = await waitForMail((m) => m.envelopeTo.includes(DEFAULT_ROUTE) && (m.subject ?? '') === 'Run failed: Failing call');
      expect(runFailed!.text).toContain(run.runId);
    } finally {
      await receiver.stop();
    }
  });
});
