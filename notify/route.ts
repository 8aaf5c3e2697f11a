// Imported by workflow code: no Node built-ins, no I/O, and types only from zod-backed modules.
import { channelOf, type ChannelRule, type ChannelStep, type ChannelTarget } from '../channels';
import { targetsOf } from '../channels/email';
import type { Event } from '../model/kit';

/** The `with` of a notify step. */
export type NotifyStepWith = ChannelStep;

/**
 * Where a notification about `event` goes: every runbook rule and default route whose channel says it hears the
 * event (a rule listing `run.finished` hears both run.completed and run.failed), plus `extra.emails` (e.g. an
 * approval's escalation targets). Each channel expands a rule into its targets (one per email recipient, so each
 * recipient has its own idempotency key and a bad address cannot hold up the others); a destination appears once,
 * with the runbook's own rules winning over the defaults when the same webhook URL is listed with different formats.
 */
export function routeNotification(rules: ChannelRule[], defaults: ChannelRule[], event: Event, extra: { emails?: string[] } = {}): ChannelTarget[] {
  const targets = new Targets();
  for (const rule of [...rules, ...defaults]) {
    const channel = channelOf(rule.channel);
    if (channel.hears(rule, event)) targets.add(channel.ruleTargets(rule));
  }
  targets.add(targetsOf(extra.emails ?? []));
  return targets.list;
}

/** The targets of a notify step (one per email recipient, or its webhook). */
export function stepNotifyTargets(w: NotifyStepWith): ChannelTarget[] {
  const targets = new Targets();
  targets.add(channelOf(w.channel).stepTargets?.(w) ?? []);
  return targets.list;
}

/** A stable, printable name for a target, for idempotency keys and the timeline; it never shows a credential. */
export function targetName(target: ChannelTarget): string {
  return channelOf(target.channel).targetName(target);
}

class Targets {
  readonly list: ChannelTarget[] = [];
  private readonly seen = new Set<string>();

  add(targets: ChannelTarget[]): void {
    for (const target of targets) {
      const key = `${target.channel} ${channelOf(target.channel).targetKey(target)}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.list.push(target);
    }
  }
}
