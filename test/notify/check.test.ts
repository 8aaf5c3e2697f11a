import { loadConfig } from '../../config';
import { loadRunbook } from '../../model/load';
import { assertNotificationConfig, checkNotificationConfig, webhookUrlProblem } from '../../notify/check';

const base = loadConfig({});

describe('checkNotificationConfig', () => {
  it('accepts the defaults and a well-formed production setup', () => {
    expect(checkNotificationConfig(base).errors).toEqual([]);
    const prod = loadConfig({
      SMTP_URL: 'smtps://lifeboat:p%40ss@smtp.example.com:465',
      MAIL_FROM: 'Lifeboat <lifeboat@example.com>',
      LIFEBOAT_NOTIFY_WEBHOOK: 'https://hooks.example.com/dr',
      LIFEBOAT_WEBHOOK_SECRET: 'x'.repeat(32),
      LIFEBOAT_PUBLIC_URL: 'https://lifeboat.example.com',
    });
    expect(checkNotificationConfig(prod)).toEqual({ errors: [], warnings: [] });
  });

  it('reports an SMTP_URL that cannot be parsed, without printing its password', () => {
    const { errors } = checkNotificationConfig(loadConfig({ SMTP_URL: 'smtp://mailer:topsecret@smtp.example.com:99999' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^SMTP_URL: 'smtp:\/\/mailer:\*\*\*@smtp\.example\.com:99999' cannot be parsed as a URL/);
    expect(errors[0]).not.toContain('topsecret');
    expect(checkNotificationConfig(loadConfig({ SMTP_URL: 'smtp://' })).errors[0]).toMatch(/^SMTP_URL: /);
  });

  it('reports a default webhook that is not http(s) and a public URL that is not one', () => {
    const { errors } = checkNotificationConfig({ ...base, LIFEBOAT_NOTIFY_WEBHOOK: 'ftp://files.example.com/hook', LIFEBOAT_PUBLIC_URL: 'lifeboat.example.com' });
    expect(errors).toEqual([
      "LIFEBOAT_NOTIFY_WEBHOOK: 'ftp://files.example.com/hook' is a ftp URL; webhooks need http:// or https://",
      expect.stringMatching(/^LIFEBOAT_PUBLIC_URL: 'lifeboat\.example\.com' is not a valid URL/),
    ]);
  });

  it('reports a MAIL_FROM that is not one address', () => {
    expect(checkNotificationConfig(loadConfig({ MAIL_FROM: 'Lifeboat' })).errors).toEqual([
      "MAIL_FROM: 'Lifeboat' is not one email address; write it as Lifeboat <lifeboat@example.com>",
    ]);
  });

  it('warns of unsigned webhooks and of a TLS port mismatch', () => {
    const { errors, warnings } = checkNotificationConfig(loadConfig({ SMTP_URL: 'smtps://smtp.example.com:587', LIFEBOAT_NOTIFY_WEBHOOK: 'https://hooks.example.com/dr' }));
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('port 587 normally speaks STARTTLS'), expect.stringContaining('LIFEBOAT_WEBHOOK_SECRET is not set')]);
  });

  it('throws one ConfigError listing every problem, naming each variable', () => {
    const warned: string[] = [];
    expect(() => assertNotificationConfig({ ...base, SMTP_URL: 'smtp://h:70000', MAIL_FROM: 'nobody' }, (w) => warned.push(w))).toThrow(
      /^invalid configuration:\n {2}SMTP_URL: .*\n {2}MAIL_FROM: /,
    );
  });
});

describe('webhook URLs in a runbook', () => {
  it('refuses URLs in rules and notify steps that cannot be sent to, and skips templated ones', () => {
    const result = loadRunbook(`id: t
title: T
notifications:
  - { channel: webhook, url: "http://hooks.example.com:99999/x", events: [run.failed] }
  - { channel: webhook, url: "https://hooks.example.com/ok", events: [run.failed] }
steps:
  - id: tell
    action: notify
    with: { channel: webhook, url: "http://exa mple.com/", body: hi }
  - id: tell2
    action: notify
    with: { channel: webhook, url: "{{ secrets.HOOK }}", body: hi }
`);
    if (result.ok) throw new Error('expected the runbook to be invalid');
    expect(result.errors).toEqual([
      { path: 'notifications[0].url', line: 4, message: "'http://hooks.example.com:99999/x' is not a valid URL; write it as https://host[:port]/path" },
      { path: 'steps[0].with.url', line: 9, message: "'http://exa mple.com/' is not a valid URL; write it as https://host[:port]/path" },
    ]);
  });

  it('explains what is wrong with a webhook URL', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x')).toBeUndefined();
    expect(webhookUrlProblem('mailto:dr@example.com')).toBe("'mailto:dr@example.com' is a mailto URL; webhooks need http:// or https://");
  });
});
