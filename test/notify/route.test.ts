import type { NotificationRule } from '../../model/runbook';
import { routeNotification, stepNotifyTargets, targetName } from '../../notify/route';

const rules: NotificationRule[] = [
  { channel: 'email', recipients: ['dba@example.com', 'Ops@Example.com'], events: ['run.started', 'step.failed'] },
  { channel: 'webhook', url: 'https://chat.example.com/hooks/T0/B0/s3cr3t', format: 'chat', events: ['step.failed'] },
  { channel: 'email', recipients: ['ceo@example.com'], events: ['run.completed'] },
];
const defaults: NotificationRule[] = [
  { channel: 'email', recipients: ['ops@example.com', 'dr-team@example.com'], events: ['step.failed', 'run.failed'] },
  { channel: 'webhook', url: 'https://chat.example.com/hooks/T0/B0/s3cr3t', format: 'json', events: ['step.failed'] },
];

describe('routeNotification', () => {
  it('sends an event to every rule and default route that lists it, one email target per recipient', () => {
    expect(routeNotification(rules, defaults, 'step.failed')).toEqual([
      { channel: 'email', to: ['dba@example.com'] },
      { channel: 'email', to: ['Ops@Example.com'] },
      { channel: 'webhook', url: 'https://chat.example.com/hooks/T0/B0/s3cr3t', format: 'chat' },
      { channel: 'email', to: ['dr-team@example.com'] },
    ]);
  });

  it('lists a recipient once whatever its letter case, and a webhook once with the runbook rule winning', () => {
    const targets = routeNotification(rules, defaults, 'step.failed');
    expect(targets.filter((t) => t.channel === 'email' && t.to[0]?.toLowerCase() === 'ops@example.com')).toHaveLength(1);
    expect(targets.filter((t) => t.channel === 'webhook')).toEqual([{ channel: 'webhook', url: 'https://chat.example.com/hooks/T0/B0/s3cr3t', format: 'chat' }]);
  });

  it('ignores rules for other events', () => {
    expect(routeNotification(rules, defaults, 'run.completed')).toEqual([{ channel: 'email', to: ['ceo@example.com'] }]);
    expect(routeNotification(rules, defaults, 'manual.assigned')).toEqual([]);
  });

  it('sends both outcomes of a run to rules that listen for run.finished', () => {
    const finished: NotificationRule[] = [{ channel: 'email', recipients: ['audit@example.com'], events: ['run.finished'] }];
    for (const event of ['run.completed', 'run.failed', 'run.finished'] as const) {
      expect(routeNotification(finished, [], event)).toEqual([{ channel: 'email', to: ['audit@example.com'] }]);
    }
    expect(routeNotification(finished, [], 'run.started')).toEqual([]);
  });

  it('adds extra addresses such as escalation targets, without repeating routed ones', () => {
    expect(routeNotification(rules, [], 'approval.escalated', { emails: ['head-of-it@example.com', 'DBA@example.com'] })).toEqual([
      { channel: 'email', to: ['head-of-it@example.com'] },
      { channel: 'email', to: ['DBA@example.com'] },
    ]);
    expect(routeNotification(rules, [], 'run.started', { emails: ['DBA@example.com'] })).toEqual([
      { channel: 'email', to: ['dba@example.com'] },
      { channel: 'email', to: ['Ops@Example.com'] },
    ]);
  });
});

describe('stepNotifyTargets', () => {
  it('gives a notify step one target per recipient, or its webhook', () => {
    expect(stepNotifyTargets({ channel: 'email', recipients: ['a@example.com', 'b@example.com', 'A@example.com'], body: 'x' })).toEqual([
      { channel: 'email', to: ['a@example.com'] },
      { channel: 'email', to: ['b@example.com'] },
    ]);
    expect(stepNotifyTargets({ channel: 'webhook', url: '{{ secrets.HOOK }}', body: 'x' })).toEqual([{ channel: 'webhook', url: '{{ secrets.HOOK }}', format: 'json' }]);
  });
});

describe('targetName', () => {
  it('names an email target by its lower-cased recipients', () => {
    expect(targetName({ channel: 'email', to: ['Ops@Example.com'] })).toBe('ops@example.com');
  });

  it('names a webhook by its origin and a hash, never its path, which may be a credential', () => {
    const name = targetName({ channel: 'webhook', url: 'https://chat.example.com/hooks/T0/B0/s3cr3t', format: 'chat' });
    expect(name).toMatch(/^https:\/\/chat\.example\.com\/…#[0-9a-f]{8}$/);
    expect(name).not.toContain('s3cr3t');
    expect(targetName({ channel: 'webhook', url: 'https://chat.example.com/hooks/other', format: 'chat' })).not.toBe(name);
    expect(targetName({ channel: 'webhook', url: '{{ secrets.HOOK }}', format: 'json' })).toMatch(/^webhook#[0-9a-f]{8}$/);
  });
});
