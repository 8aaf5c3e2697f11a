// What a notification channel is. Channel modules are imported by the workflow bundle (routing is workflow code),
// so they import only types from zod-backed modules: their schemas are built from the SchemaKit they are given, and
// they reach SMTP, HTTP and the store only through the DeliveryIO that the sendNotification activity passes in.
import type { z } from 'zod';
import type { Event, SchemaKit } from '../model/kit';
import type { TimelineEventType } from '../timeline/event';
import type { NotificationMessage, RenderedNotification } from '../notify/message';

/** The schemas a channel declares; each object names the channel in its `channel` literal (the discriminator). */
export interface ChannelSchemas<N extends string> {
  /** An entry of a runbook's `notifications:`. */
  rule: z.ZodType<{ channel: N }>;
  /** The `with` of a `notify` step that sends through this channel; undefined when the channel has no notify steps. */
  step: z.ZodType<{ channel: N }> | undefined;
  /** One delivery's destination, as the workflow hands it to the activity (secrets still written as templates). */
  target: z.ZodType<{ channel: N }>;
  /** The environment variables the channel reads; config/index.ts merges them into Config. */
  config: z.ZodRawShape;
}

type Out<T> = T extends z.ZodType ? z.output<T> : never;
export type RuleOf<S extends ChannelSchemas<string>> = Out<S['rule']>;
export type StepOf<S extends ChannelSchemas<string>> = Out<S['step']>;
export type TargetOf<S extends ChannelSchemas<string>> = Out<S['target']>;
export type ConfigOf<S extends ChannelSchemas<string>> = z.output<z.ZodObject<S['config']>>;

/** What is wrong with a channel's settings (start-up must stop) and what is merely doubtful. */
export interface ConfigReport {
  errors: string[];
  warnings: string[];
}

/** Parsers a configuration check may need that channel modules cannot import (they would pull Node into the bundle). */
export interface CheckTools {
  /** The addresses in an RFC 5322 address list such as `Lifeboat <lifeboat@example.com>`. */
  addresses(text: string): string[];
}

/** One delivery, as the activity hands it to the channel. */
export interface Delivery<T> {
  /** The idempotency key: one event to one target. */
  key: string;
  /** A hash of the key: the same on every attempt, safe to show a receiver so it can drop repeats. */
  deliveryId: string;
  /** The target with its secrets resolved: never put it in an error, a record or a log. */
  target: T;
  /** The target's printable name (targetName of the target as the workflow sent it). */
  name: string;
  /** The message and its rendering, both already scrubbed of known secret values. */
  message: NotificationMessage;
  rendered: RenderedNotification;
  /** LIFEBOAT_PUBLIC_URL, for links to the run. */
  publicUrl: string | undefined;
  /** Masks every known secret value in a text (a second line of defence for bodies built from the message). */
  scrub(text: string): string;
}

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}
/** The SMTP server's verdict: accepted (with the Message-ID, derived from the key), or refused with its reply code. */
export type MailAnswer = { ok: true; messageId: string } | { ok: false; code: number | undefined; reason: string };

export interface PostRequest {
  url: string;
  /** A JSON text. */
  body: string;
  headers: Record<string, string>;
  /** Adds X-Lifeboat-Timestamp, and X-Lifeboat-Signature when `secret` is set (see notify/signature.ts). */
  signature?: { secret: string | undefined };
}
/** Whatever the receiver answered (redirects are not followed), or why no answer came. */
export type PostAnswer = { status: number; text: string } | { unreachable: string };

/** A note one delivery left for the run's other deliveries to the same target (PagerDuty: a dedup key it triggered). */
export interface DeliveryNote {
  event: string;
  value: string;
}

/** The side effects a channel may have, passed in by the activity. */
export interface DeliveryIO {
  sendMail(mail: OutgoingMail): Promise<MailAnswer>;
  /** POSTs a JSON body with a 30-second limit per attempt. */
  post(request: PostRequest): Promise<PostAnswer>;
  /** The notes this run's deliveries to the same target have left (this one's included). */
  notes(): Promise<DeliveryNote[]>;
  /** Leaves a note under this delivery's key; leaving the same note again (a retried attempt) keeps one. */
  note(value: string): Promise<void>;
  /** The error to throw for a failed delivery; the activity's retry policy retries it unless `retryable` is false. */
  failure(message: string, type: string, o: { retryable: boolean; details?: unknown }): Error;
}

/** What the delivery record keeps besides the key, target and time: the Message-ID, the HTTP status. */
export interface Receipt {
  messageId?: string;
  status?: number;
}

/**
 * Everything about one channel. Routing (hears, ruleTargets, stepTargets, targetKey, targetName) runs in the
 * workflow and must be pure; deliver runs in the sendNotification activity.
 */
export interface ChannelDefinition<N extends string, S extends ChannelSchemas<N>> {
  readonly name: N;
  schemas(k: SchemaKit): S;
  /** Whether a rule hears an event (see `hearsListed` for the usual answer). */
  hears(rule: RuleOf<S>, event: Event): boolean;
  /** Where a rule that hears an event sends it. */
  ruleTargets(rule: RuleOf<S>): TargetOf<S>[];
  /** Where a notify step's `with` sends its message; undefined exactly when the channel has no notify steps. */
  stepTargets: S['step'] extends z.ZodType ? (w: StepOf<S>) => TargetOf<S>[] : undefined;
  /** Two targets with the same key are one destination: an event is delivered there once. */
  targetKey(target: TargetOf<S>): string;
  /** A stable, printable name for the idempotency key and the timeline: it must never reveal a credential. */
  targetName(target: TargetOf<S>): string;
  /** The worker's own rules (from its configuration) that hear `events` for every run. */
  defaultRules(config: ConfigOf<S>, events: Event[]): RuleOf<S>[];
  /** Configuration values to mask wherever they might appear in a message or error. */
  configSecrets(config: ConfigOf<S>): Array<string | undefined>;
  /** What is wrong with the channel's configuration, checked at start-up. */
  check(config: ConfigOf<S>, tools: CheckTools): ConfigReport;
  /** Sends one delivery; throws `io.failure(…)` when it cannot. */
  deliver(d: Delivery<TargetOf<S>>, config: ConfigOf<S>, io: DeliveryIO): Promise<Receipt>;
}

/** Declares a channel; the type parameters are inferred from `name` and `schemas`. */
export function defineChannel<N extends string, S extends ChannelSchemas<N>>(channel: ChannelDefinition<N, S>): ChannelDefinition<N, S> {
  return channel;
}

// How the three event vocabularies relate. A rule lists Events (model/kit.ts); the workflow notifies of timeline
// events (timeline/event.ts) under their own names, and a message's kind (MessageKind, notify/message.ts) is that
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

/** The usual `hears`: the rule lists the event, or an Event that stands for it (`run.finished` for both outcomes). */
export function hearsListed(events: readonly Event[], event: Event): boolean {
  return events.includes(event) || events.some((e) => HEARS[e].some((t) => t === event));
}

// FNV-1a, 32 bits: no crypto in workflow code, and this only has to tell a run's few targets apart.
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

// URLs may carry credentials (an SMTP password, a chat webhook's token in its userinfo): never print them.
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
