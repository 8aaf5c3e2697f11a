// Imported by workflow code: no Node built-ins, no I/O, and types only from zod-backed modules.
import type { Event, NotificationRule, Step } from '../model/runbook';
import type { TimelineEventType } from '../timeline/event';
import type { NotificationTarget } from './types';

/** The `with` of a notify step. */
export type NotifyStepWith = Extract<Step, { action: 'notify' }>['with'];

/**
 * Where a notification about `event` goes: every runbook rule and default route that lists the event (a rule listing
 * `run.finished` hears both run.completed and run.failed), plus
 * `extra.emails` (e.g. an approval's escalation targets). One email target per recipient, so each recipient has its
 * own idempotency key and a bad address cannot hold up the others; recipients and webhook URLs appear once, with
 * the runbook's own rules winning over the defaults when the same URL is listed with different formats.
 */
export function routeNotification(
  rules: NotificationRule[],
  defaults: NotificationRule[],
  event: Event,
  extra: { emails?: string[] } = {},
): NotificationTarget[] {
  const targets = new Targets();
  for (const rule of [...rules, ...defaults]) {
    if (!listens(rule, event)) continue;
    if (rule.channel === 'email') rule.recipients.forEach((to) => targets.email(to));
    else targets.webhook(rule.url, rule.format);
  }
  (extra.emails ?? []).forEach((to) => targets.email(to));
  return targets.list;
}

// How the three event vocabularies relate. A rule lists Events (model/kit.ts); the workflow notifies of timeline
// events (timeline/event.ts) under their own names, and a message's kind (MessageKind, notify/types.ts) is that
// Event, or step.notify for a notify step. Each Event is the timeline event of the same name, except run.finished,
// the end of a run whatever its outcome; an Event that is neither does not compile here.
const HEARS = {
  'run.started': ['run.started'],
  'run.finished': ['run.completed', 'run.failed'],
  'run.failed': ['run.failed'],
  'run.completed': ['run.completed'],
  'step.failed': ['step.failed'],
  'approval.requested': ['approval.requested'],
  'approval.escalated': ['approval.escalated'],
  'manual.assigned': ['manual.assigned'],
  'decision.needed': ['decision.needed'],
} as const satisfies { readonly [E in Event]: ReadonlyArray<E extends TimelineEventType ? E : TimelineEventType> };

function listens(rule: NotificationRule, event: Event): boolean {
  return rule.events.includes(event) || rule.events.some((e) => HEARS[e].some((t) => t === event));
}

/** The targets of a notify step: one per email recipient, or its webhook. */
export function stepNotifyTargets(w: NotifyStepWith): NotificationTarget[] {
  const targets = new Targets();
  if (w.channel === 'email') w.recipients.forEach((to) => targets.email(to));
  else targets.webhook(w.url, 'json');
  return targets.list;
}

/**
 * A stable, printable name for a target, for idempotency keys and the timeline. A webhook URL can itself be a
 * credential (chat incoming-webhook URLs are), so it is shown as its origin plus a hash of the whole URL.
 */
export function targetName(target: NotificationTarget): string {
  if (target.channel === 'email') return target.to.map(normalEmail).join(',');
  const origin = /^https?:\/\/[^/?#\s]+/i.exec(target.url)?.[0];
  return `${origin ? `${origin.toLowerCase()}/…` : 'webhook'}#${fnv1a(target.url)}`;
}

class Targets {
  readonly list: NotificationTarget[] = [];
  private readonly seen = new Set<string>();

  email(address: string): void {
    const to = address.trim();
    if (to === '' || !this.first(`email ${normalEmail(to)}`)) return;
    this.list.push({ channel: 'email', to: [to] });
  }

  webhook(url: string, format: 'json' | 'chat'): void {
    if (this.first(`webhook ${url.trim()}`)) this.list.push({ channel: 'webhook', url: url.trim(), format });
  }

  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

function normalEmail(address: string): string {
  return address.trim().toLowerCase();
}

// FNV-1a, 32 bits: no crypto in workflow code, and this only has to tell a run's few webhook URLs apart.
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
