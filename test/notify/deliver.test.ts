// sendNotification in a real activity context against real servers: the suite's SMTP catcher, SMTP servers started
// here (to take one down and bring it back), and a local webhook receiver that checks signatures.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createActivities } from '../../activities';
import { loadConfig } from '../../config';
import type { DeliveryOutcome, MessageKind, NotificationDelivery, NotificationMessage, NotificationTarget } from '../../notify/types';
import { startMailCatcher } from '../../servers/mailcatcher';
import { connectStore, type Store } from '../../store/connection';
import { findDelivery } from '../../store/deliveries';
import { waitForMail } from '../harness/mail';
import { startReceiver } from './receiver';

const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef';
const DB_PASSWORD = 'correct-horse-battery-staple';
const PUBLIC = 'https://lifeboat.example.test';
const FROM = 'Lifeboat Test <lifeboat@test.example>';

let store: Store;
beforeAll(async () => {
  store = await connectStore(required('MONGODB_URI'));
});
afterAll(async () => {
  await store?.close();
});

function activities(o: { smtpUrl?: string; env?: Record<string, string> } = {}) {
  const config = loadConfig({ ...process.env, LIFEBOAT_WEBHOOK_SECRET: WEBHOOK_SECRET, LIFEBOAT_PUBLIC_URL: PUBLIC, MAIL_FROM: FROM });
  const env = { ...process.env, LIFEBOAT_SECRET_DB_PASSWORD: DB_PASSWORD, ...o.env };
  return createActivities({ store, config, smtpUrl: o.smtpUrl ?? required('SMTP_URL'), env });
}

/** Runs the activity the way a worker would, in an activity context of its own. */
function send(acts: ReturnType<typeof activities>, delivery: NotificationDelivery): Promise<DeliveryOutcome> {
  return new MockActivityEnvironment().run<[NotificationDelivery], DeliveryOutcome, typeof acts.sendNotification>(acts.sendNotification, delivery);
}

function delivery(target: NotificationTarget, event: MessageKind, o: Partial<NotificationMessage> = {}): NotificationDelivery {
  const runId = o.runId ?? `notify-test-${randomUUID()}`;
  return {
    key: `${runId}/1/${randomUUID()}`,
    target,
    message: {
      event,
      runId,
      runbookId: 'orders-db-failover',
      runbookTitle: 'Orders DB failover',
      mode: 'recovery',
      at: '2026-11-24T10:15:00.000Z',
      stepId: 'promote',
      stepTitle: 'Promote the replica',
      detail: {},
      ...o,
    },
  };
}

const uniqueAddress = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('sendNotification by email', () => {
  const kinds: Array<{ event: MessageKind; detail: Record<string, unknown>; subject: string; facts: string[]; html: string[] }> = [
    {
      event: 'run.started',
      detail: { trigger: { kind: 'api', by: 'alice' }, parameters: { region: 'eu-west-1' } },
      subject: 'Run started: Orders DB failover',
      facts: ['Started by: alice (api)', 'region: "eu-west-1"'],
      html: ['alice (api)', 'eu-west-1'],
    },
    {
      event: 'run.completed',
      detail: { status: 'completed', recovery: { targetMs: 900_000, achievedMs: 600_000, breached: false } },
      subject: 'Run completed: Orders DB failover',
      facts: ['Recovery time: 10m', 'RTO target:    15m (met)'],
      html: ['10m', '15m (met)'],
    },
    {
      event: 'run.failed',
      detail: { status: 'failed', error: 'step promote failed', recovery: { targetMs: 60_000, achievedMs: 120_000, breached: true } },
      subject: 'Run failed: Orders DB failover (RTO breached)',
      facts: ['Error: step promote failed', '(BREACHED)'],
      html: ['step promote failed', 'BREACHED'],
    },
    {
      event: 'approval.requested',
      detail: { approvers: ['dba'], quorum: 1, instructions: 'Lag under 5s', timeoutMs: 600_000 },
      subject: 'Approval needed: Promote the replica (promote) in Orders DB failover',
      facts: ['Why: Lag under 5s', 'Who may approve: dba (1 approval needed)', 'lifeboat approve ', `${PUBLIC}/runs/`],
      html: ['Why: Lag under 5s', 'dba (1 approval needed)', 'lifeboat approve ', `href="${PUBLIC}/runs/`],
    },
    {
      event: 'approval.escalated',
      detail: { approvers: ['dba'], waitingMs: 300_000 },
      subject: 'Escalation: approval of Promote the replica (promote) in Orders DB failover is still pending',
      facts: ['waiting for 5m', 'lifeboat approve '],
      html: ['5m', 'lifeboat approve '],
    },
    {
      event: 'manual.assigned',
      detail: { instructions: 'Flip the breaker in rack 4', assignee: 'facilities' },
      subject: 'Manual task: Promote the replica (promote) in Orders DB failover',
      facts: ['Flip the breaker in rack 4', 'Assigned to: facilities', 'lifeboat complete '],
      html: ['Flip the breaker in rack 4', 'Assigned to: facilities', 'lifeboat complete '],
    },
    {
      event: 'step.failed',
      detail: { error: 'POST /promote answered 503', attempts: 3 },
      subject: 'Step failed: Promote the replica (promote) in Orders DB failover',
      facts: ['Error: POST /promote answered 503', 'after 3 attempts'],
      html: ['POST /promote answered 503', 'after 3 attempts'],
    },
    {
      event: 'decision.needed',
      detail: { error: 'exit code 2', options: ['retry', 'skip', 'abort'] },
      subject: 'Decision needed: Promote the replica (promote) failed in Orders DB failover',
      facts: ['Choices: retry, skip, abort', 'lifeboat decide '],
      html: ['Choices: retry, skip, abort', 'lifeboat decide '],
    },
    {
      event: 'step.notify',
      detail: { subject: 'Failover complete', body: 'Orders run on the replica now.' },
      subject: 'Failover complete',
      facts: ['Orders run on the replica now.'],
      html: ['Orders run on the replica now.'],
    },
  ];

  it.each(kinds)('emails $event to its recipient with its facts in text and HTML', async ({ event, detail, subject, facts, html }) => {
    const to = uniqueAddress(event.replace('.', '-'));
    const d = delivery({ channel: 'email', to: [to] }, event, { detail });
    await expect(send(activities(), d)).resolves.toEqual({ status: 'sent', target: to });
    const [mail] = await waitForMail((m) => m.envelopeTo.includes(to));
    expect(mail!.subject).toBe(subject);
    expect(mail!.from?.value).toEqual([{ name: 'Lifeboat Test', address: 'lifeboat@test.example' }]);
    expect(mail!.envelopeTo).toEqual([to]);
    expect(mail!.headers.get('x-lifeboat-event')).toBe(event);
    for (const fact of facts) expect(mail!.text).toContain(fact);
    for (const fact of html) expect(mail!.html || '').toContain(fact);
    await expect(findDelivery(store.db, d.key)).resolves.toMatchObject({ channel: 'email', target: to, event });
  });

  it('starts the subject with [DRILL] in drill mode', async () => {
    const to = uniqueAddress('drill');
    await send(activities(), delivery({ channel: 'email', to: [to] }, 'run.started', { mode: 'drill' }));
    const [mail] = await waitForMail((m) => m.envelopeTo.includes(to));
    expect(mail!.subject).toBe('[DRILL] Run started: Orders DB failover');
  });

  it('sends a delivery whose key was already delivered only once', async () => {
    const to = uniqueAddress('retried');
    const d = delivery({ channel: 'email', to: [to] }, 'step.failed', { detail: { error: 'boom', attempts: 1 } });
    const acts = activities();
    await expect(send(acts, d)).resolves.toEqual({ status: 'sent', target: to });
    await expect(send(acts, d)).resolves.toEqual({ status: 'duplicate', target: to });
    // The catcher stores a message before it acknowledges it, so both sends are fully visible once they resolve.
    expect(await waitForMail((m) => m.envelopeTo.includes(to))).toHaveLength(1);
  });

  it('never puts a secret value in a message', async () => {
    const to = uniqueAddress('secret');
    const d = delivery({ channel: 'email', to: [to] }, 'step.failed', { detail: { error: `login failed for admin:${DB_PASSWORD}`, attempts: 1 } });
    await send(activities(), d);
    const [mail] = await waitForMail((m) => m.envelopeTo.includes(to));
    expect(mail!.text).toContain('Error: login failed for admin:***');
    expect(mail!.text).not.toContain(DB_PASSWORD);
    expect(mail!.html).not.toContain(DB_PASSWORD);
  });

  it('delivers exactly one copy once an SMTP server that was down comes back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-smtp-'));
    const probe = await startMailCatcher({ port: 0, dir });
    const port = probe.port;
    await probe.stop();
    const acts = activities({ smtpUrl: `smtp://127.0.0.1:${port}` });
    const d = delivery({ channel: 'email', to: [uniqueAddress('outage')] }, 'run.failed', { detail: { status: 'failed' } });

    const down = await failureOf(send(acts, d));
    expect(down.nonRetryable).toBe(false);
    expect(down.type).toBe('EmailFailed');
    await expect(findDelivery(store.db, d.key)).resolves.toBeUndefined();

    const catcher = await startMailCatcher({ port, dir });
    try {
      await expect(send(acts, d)).resolves.toMatchObject({ status: 'sent' });
      await expect(send(acts, d)).resolves.toMatchObject({ status: 'duplicate' });
      expect(readdirSync(dir)).toHaveLength(1);
      await expect(findDelivery(store.db, d.key)).resolves.toMatchObject({ channel: 'email', messageId: expect.stringContaining('@test.example>') });
    } finally {
      await catcher.stop();
    }
  });

  it('does not retry a message the SMTP server refuses permanently', async () => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        callback(Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const failure = await failureOf(send(activities({ smtpUrl: `smtp://127.0.0.1:${port}` }), delivery({ channel: 'email', to: ['gone@example.com'] }, 'run.started')));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('EmailRejected');
      expect(failure.message).toContain('550');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('sendNotification by webhook', () => {
  it('posts a signed JSON body with every fact of the message', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET);
    try {
      const d = delivery({ channel: 'webhook', url: `${receiver.url}/hooks/dr`, format: 'json' }, 'step.failed', { mode: 'drill', detail: { error: 'boom', attempts: 2 } });
      const result = await send(activities(), d);
      expect(result).toEqual({ status: 'sent', target: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…#[0-9a-f]{8}$/) });
      expect(receiver.received).toHaveLength(1);
      const [hook] = receiver.received;
      expect(hook!.signatureValid).toBe(true);
      expect(hook!.path).toBe('/hooks/dr');
      expect(hook!.headers['content-type']).toBe('application/json');
      expect(hook!.json).toEqual({
        event: 'step.failed',
        runId: d.message.runId,
        runbook: { id: 'orders-db-failover', title: 'Orders DB failover' },
        mode: 'drill',
        at: d.message.at,
        step: { id: 'promote', title: 'Promote the replica' },
        url: `${PUBLIC}/runs/${d.message.runId}`,
        detail: { error: 'boom', attempts: 2 },
        subject: '[DRILL] Step failed: Promote the replica (promote) in Orders DB failover',
        text: expect.stringContaining('Error: boom'),
      });
      await expect(findDelivery(store.db, d.key)).resolves.toMatchObject({ channel: 'webhook', status: 200, target: result.target });
    } finally {
      await receiver.stop();
    }
  });

  it('posts a chat payload whose text Slack, Mattermost and Teams-style hooks show', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET);
    try {
      const d = delivery({ channel: 'webhook', url: receiver.url, format: 'chat' }, 'approval.requested', { mode: 'drill', detail: { approvers: ['dba'] } });
      await send(activities(), d);
      expect(receiver.received[0]!.signatureValid).toBe(true);
      expect(receiver.received[0]!.json).toMatchObject({
        text: expect.stringMatching(new RegExp(`^\\[DRILL\\] Approval needed: .* Approve: lifeboat approve ${d.message.runId} promote or ${PUBLIC}/runs/`)),
        event: 'approval.requested',
      });
    } finally {
      await receiver.stop();
    }
  });

  it('records one delivery when the webhook answers 500 and then 200', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET, [500]);
    try {
      const acts = activities();
      const d = delivery({ channel: 'webhook', url: receiver.url, format: 'json' }, 'run.failed', { detail: { status: 'failed' } });
      const failure = await failureOf(send(acts, d));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.message).toMatch(/answered 500$/);
      await expect(findDelivery(store.db, d.key)).resolves.toBeUndefined();
      await expect(send(acts, d)).resolves.toMatchObject({ status: 'sent' });
      await expect(send(acts, d)).resolves.toMatchObject({ status: 'duplicate' });
      expect(receiver.received.map((r) => [r.answered, r.signatureValid])).toEqual([
        [500, true],
        [200, true],
      ]);
      expect(receiver.received[0]!.headers['x-lifeboat-delivery']).toBe(receiver.received[1]!.headers['x-lifeboat-delivery']);
      await expect(findDelivery(store.db, d.key)).resolves.toMatchObject({ status: 200 });
    } finally {
      await receiver.stop();
    }
  });

  it('gives up at once on a webhook that answers 404', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET, [404]);
    try {
      const failure = await failureOf(send(activities(), delivery({ channel: 'webhook', url: receiver.url, format: 'json' }, 'run.started')));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('WebhookRejected');
    } finally {
      await receiver.stop();
    }
  });

  it('resolves a webhook URL named by a secret inside the activity, and never shows it', async () => {
    const receiver = await startReceiver(WEBHOOK_SECRET, [503]);
    try {
      const acts = activities({ env: { LIFEBOAT_SECRET_CHAT_HOOK: `${receiver.url}/services/T000/B000/tok3n` } });
      // The workflow says where the secret goes (from the runbook's text); the activity never reads the url as a template.
      const d = {
        ...delivery({ channel: 'webhook', url: '{{ secrets.CHAT_HOOK }}', format: 'chat' }, 'run.started'),
        secrets: [{ path: ['url'], parts: [{ secret: 'CHAT_HOOK' }] }],
      };
      const failure = await failureOf(send(acts, d));
      expect(failure.message).not.toContain('tok3n');
      const result = await send(acts, d);
      expect(result.target).toMatch(/^webhook#[0-9a-f]{8}$/);
      expect(receiver.received.map((r) => r.path)).toEqual(['/services/T000/B000/tok3n', '/services/T000/B000/tok3n']);
    } finally {
      await receiver.stop();
    }
  });
});

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the suite's globalSetup should have set it`);
  return v;
}
