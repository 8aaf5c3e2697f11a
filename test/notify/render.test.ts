import { webhookPayload } from '../../channels/webhook';
import { renderNotification } from '../../notify/render';
import { scrubMessage, secretScrubber } from '../../notify/scrub';
import { MessageKind, type NotificationMessage } from '../../notify/types';

const PUBLIC = 'https://lifeboat.example.com';

function message(event: MessageKind, detail: Record<string, unknown> = {}, more: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    event,
    runId: 'orders-db-failover-20261124-101500-3fa2c1',
    runbookId: 'orders-db-failover',
    runbookTitle: 'Orders DB failover',
    mode: 'recovery',
    at: '2026-11-24T10:15:00.000Z',
    stepId: 'promote',
    stepTitle: 'Promote the replica',
    detail,
    ...more,
  };
}
const render = (m: NotificationMessage) => renderNotification(m, { publicUrl: PUBLIC });
const runUrl = `${PUBLIC}/runs/orders-db-failover-20261124-101500-3fa2c1`;

describe('renderNotification', () => {
  it('renders every kind of message with a subject, text, HTML and chat form', () => {
    for (const kind of MessageKind.options) {
      const r = render(message(kind, { body: 'b', instructions: 'i' }));
      expect(r.subject.length).toBeGreaterThan(0);
      expect(r.subject).not.toMatch(/\n/);
      // The drill programme's notice is about a runbook, not a run.
      if (kind !== 'drill.overdue') expect(r.text).toContain('orders-db-failover-20261124-101500-3fa2c1');
      expect(r.html).toContain('<html>');
      expect(r.chat.length).toBeGreaterThan(0);
    }
  });

  it('tells the owner of an overdue drill when it was due, what the last drill was, and links the programme', () => {
    const lastDrill = { runId: 'orders-db-failover-20261001', startedAt: '2026-10-01T03:00:00.000Z', status: 'completed' };
    const r = render(message('drill.overdue', { dueAt: '2026-11-01T03:00:00.000Z', every: '30d', lastDrill, openActions: 2 }, { mode: 'drill', stepId: undefined }));
    expect(r.subject).toBe('Drill overdue: Orders DB failover');
    expect(r.text).toContain('it was due 2026-11-01 03:00:00 UTC, its drill.every being 30d');
    expect(r.text).toContain('Last drill: orders-db-failover-20261001, started 2026-10-01 03:00:00 UTC, completed');
    expect(r.text).toContain('Open corrective actions: 2');
    expect(r.text).toContain(`${PUBLIC}/programme`);
    expect(r.html).not.toContain('this run is a drill');
    expect(r.chat).toContain(`${PUBLIC}/programme`);
  });

  it('starts the subject and chat text with [DRILL] in drill mode only', () => {
    const drill = render(message('run.started', {}, { mode: 'drill' }));
    expect(drill.subject).toBe('[DRILL] Run started: Orders DB failover');
    expect(drill.chat).toMatch(/^\[DRILL\] /);
    expect(drill.html).toContain('DRILL');
    const real = render(message('run.started'));
    expect(real.subject).toBe('Run started: Orders DB failover');
    expect(real.chat).not.toContain('DRILL');
  });

  it('tells who started the run, with which parameters, and links to it', () => {
    const r = render(message('run.started', { trigger: { kind: 'api', by: 'alice' }, parameters: { region: 'eu-west-1', force: true } }));
    expect(r.text).toContain('Started by: alice (api)');
    expect(r.text).toContain('region: "eu-west-1"');
    expect(r.text).toContain(`Open the run: ${runUrl}`);
    expect(r.html).toContain(`<a href="${runUrl}">`);
  });

  it('reports a finished run with its status and recovery time against the RTO', () => {
    const met = render(message('run.completed', { status: 'completed', recovery: { targetMs: 900_000, achievedMs: 723_000, breached: false } }));
    expect(met.subject).toBe('Run completed: Orders DB failover');
    expect(met.text).toContain('Recovery time: 12m3s');
    expect(met.text).toContain('RTO target:    15m (met)');
    const breached = render(
      message('run.failed', { status: 'failed', error: 'step promote failed: timed out', recovery: { targetMs: 900_000, achievedMs: 1_200_000, breached: true } }),
    );
    expect(breached.subject).toBe('Run failed: Orders DB failover (RTO breached)');
    expect(breached.text).toContain('Error: step promote failed: timed out');
    expect(breached.text).toContain('(BREACHED)');
    expect(breached.chat).toContain('Recovery time 20m vs RTO 15m (BREACHED)');
  });

  it('asks for an approval saying what, why, who may approve and how', () => {
    const r = render(message('approval.requested', { approvers: ['dba', 'incident-commander'], quorum: 2, instructions: 'Replica lag must be under 5s', timeoutMs: 1_800_000 }));
    expect(r.subject).toBe('Approval needed: Promote the replica (promote) in Orders DB failover');
    expect(r.text).toContain('Why: Replica lag must be under 5s');
    expect(r.text).toContain('Who may approve: dba, incident-commander (2 approvals needed)');
    expect(r.text).toContain('Times out in:    30m');
    expect(r.text).toContain('lifeboat approve orders-db-failover-20261124-101500-3fa2c1 promote');
    expect(r.text).toContain(`${PUBLIC}/runs/orders-db-failover-20261124-101500-3fa2c1/steps/promote/approve`);
    expect(r.text).toContain(runUrl);
    expect(r.html).toContain('lifeboat approve orders-db-failover-20261124-101500-3fa2c1 promote');
    expect(r.chat).toContain('lifeboat approve orders-db-failover-20261124-101500-3fa2c1 promote');
  });

  it('escalates an approval with how long it has waited', () => {
    const r = render(message('approval.escalated', { approvers: ['dba'], waitingMs: 900_000 }));
    expect(r.subject).toBe('Escalation: approval of Promote the replica (promote) in Orders DB failover is still pending');
    expect(r.text).toContain('has been waiting for 15m');
    expect(r.text).toContain('lifeboat approve');
  });

  it('assigns a manual task with its instructions and how to mark it done', () => {
    const r = render(message('manual.assigned', { instructions: 'Call the DC and confirm power', assignee: 'facilities' }));
    expect(r.subject).toBe('Manual task: Promote the replica (promote) in Orders DB failover');
    expect(r.text).toContain('Assigned to: facilities');
    expect(r.text).toContain('Call the DC and confirm power');
    expect(r.text).toContain('lifeboat complete orders-db-failover-20261124-101500-3fa2c1 promote');
  });

  it('reports a failed step with its error and attempts', () => {
    const r = render(message('step.failed', { error: 'POST /promote answered 503', attempts: 3 }));
    expect(r.subject).toBe('Step failed: Promote the replica (promote) in Orders DB failover');
    expect(r.text).toContain('failed at 2026-11-24 10:15:00 UTC after 3 attempts.');
    expect(r.text).toContain('Error: POST /promote answered 503');
  });

  it('asks an operator to decide, listing the choices and the command', () => {
    const r = render(message('decision.needed', { error: 'exit code 2', options: ['retry', 'skip', 'abort'] }));
    expect(r.subject).toBe('Decision needed: Promote the replica (promote) failed in Orders DB failover');
    expect(r.text).toContain('Choices: retry, skip, abort');
    expect(r.text).toContain('lifeboat decide orders-db-failover-20261124-101500-3fa2c1 promote retry|skip|abort');
  });

  it("renders a notify step's own subject and body", () => {
    const r = render(message('step.notify', { subject: 'Failover done', body: 'Orders now run on the replica.' }, { mode: 'drill' }));
    expect(r.subject).toBe('[DRILL] Failover done');
    expect(r.text).toMatch(/^Orders now run on the replica\./);
  });

  it('escapes HTML in the HTML part and keeps the plain text as written', () => {
    const r = render(message('step.failed', { error: '<script>alert("x")</script> & more' }, { runbookTitle: 'A <b>bold</b> title' }));
    expect(r.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(r.html).toContain('A &lt;b&gt;bold&lt;/b&gt; title');
    expect(r.html).not.toContain('<script>');
    expect(r.text).toContain('<script>alert("x")</script> & more');
  });

  it('keeps the subject on one line whatever the title holds', () => {
    expect(render(message('run.started', {}, { runbookTitle: 'Evil\r\nBcc: victim@example.com' })).subject).toBe('Run started: Evil Bcc: victim@example.com');
  });

  it('carries no link but still the commands when no public URL is configured', () => {
    const r = renderNotification(message('approval.requested', { approvers: ['dba'] }));
    expect(r.text).not.toContain('Open the run');
    expect(r.text).toContain('lifeboat approve');
    expect(r.text).toContain('/runs/orders-db-failover-20261124-101500-3fa2c1/steps/promote/approve');
  });
});

describe('webhookPayload', () => {
  it('gives json receivers every fact and the plain text', () => {
    const m = message('step.failed', { error: 'boom', attempts: 2 }, { mode: 'drill' });
    const payload = webhookPayload(m, render(m), 'json', { publicUrl: PUBLIC });
    expect(payload).toEqual({
      event: 'step.failed',
      runId: m.runId,
      runbook: { id: 'orders-db-failover', title: 'Orders DB failover' },
      mode: 'drill',
      at: m.at,
      step: { id: 'promote', title: 'Promote the replica' },
      url: runUrl,
      detail: { error: 'boom', attempts: 2 },
      subject: '[DRILL] Step failed: Promote the replica (promote) in Orders DB failover',
      text: expect.stringContaining('Error: boom'),
    });
  });

  it('gives chat receivers a text paragraph with the link', () => {
    const m = message('run.started');
    const payload = webhookPayload(m, render(m), 'chat', { publicUrl: PUBLIC });
    expect(payload.text).toBe(`Run started: Orders DB failover (recovery mode), run ${m.runId} ${runUrl}`);
    expect(payload).toMatchObject({ event: 'run.started', runId: m.runId, url: runUrl });
    expect(payload).not.toHaveProperty('channel');
  });
});

describe('secret scrubbing', () => {
  it('masks secret values wherever they appear in a message, including inside HTML-special text', () => {
    const scrub = secretScrubber({ LIFEBOAT_SECRET_DB: 'p<a>ss&w0rd', LIFEBOAT_SECRET_TINY: 'ab', PATH: '/usr/bin' }, ['webhook-secret-value']);
    const m = scrubMessage(message('step.failed', { error: 'login as admin:p<a>ss&w0rd failed; key webhook-secret-value', nested: ['p<a>ss&w0rd'] }), scrub);
    const r = render(m);
    for (const part of [r.subject, r.text, r.html, r.chat, JSON.stringify(webhookPayload(m, r, 'json'))]) {
      expect(part).not.toContain('w0rd');
      expect(part).not.toContain('p&lt;a&gt;ss');
      expect(part).not.toContain('webhook-secret-value');
    }
    expect(r.text).toContain('login as admin:*** failed; key ***');
    expect(scrub('ab and /usr/bin stay')).toBe('ab and /usr/bin stay');
  });
});
