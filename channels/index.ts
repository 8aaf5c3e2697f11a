// The channel registry: adding a channel is one module and one line here. Imported by the workflow bundle.
import type { Event, SchemaKit } from '../model/kit';
import { email } from './email';
import type { ChannelDefinition, ChannelSchemas, CheckTools, ConfigOf, ConfigReport, Delivery, DeliveryIO, Receipt, RuleOf, StepOf, TargetOf } from './kit';
import { pagerduty } from './pagerduty';
import { webhook } from './webhook';

/** Every channel, by the name runbooks write in `channel:`. */
export const CHANNELS = registry({ email, webhook, pagerduty });

export type Channels = typeof CHANNELS;
export type ChannelName = keyof Channels;
type SchemasOf<N extends ChannelName> = ReturnType<Channels[N]['schemas']>;

type Complete<N extends string, C> = C extends { schemas(k: SchemaKit): infer S extends ChannelSchemas<N> } ? ChannelDefinition<N, S> : ChannelDefinition<N, ChannelSchemas<N>>;

/** The registry's entries are complete channels named by their keys: a missing piece or a wrong name is a compile error. */
function registry<R extends { [N in keyof R]: N extends string ? Complete<N, R[N]> : never }>(channels: R): R {
  return channels;
}

/** Any channel's rule, target, notify-step `with`, and the configuration keys of all channels together. */
export type ChannelRule = { [N in ChannelName]: RuleOf<SchemasOf<N>> }[ChannelName];
export type ChannelTarget = { [N in ChannelName]: TargetOf<SchemasOf<N>> }[ChannelName];
export type ChannelStep = { [N in ChannelName]: StepOf<SchemasOf<N>> }[ChannelName];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
export type ChannelConfig = UnionToIntersection<{ [N in ChannelName]: ConfigOf<SchemasOf<N>> }[ChannelName]>;
export type ChannelConfigShape = UnionToIntersection<{ [N in ChannelName]: SchemasOf<N>['config'] }[ChannelName]>;

/**
 * A channel as code that has already dispatched on `channel` sees it. Method syntax makes parameters bivariant, which
 * is what lets each channel, typed for its own rules and targets, be viewed through this one interface.
 */
export interface DispatchedChannel {
  readonly name: ChannelName;
  hears(rule: ChannelRule, event: Event): boolean;
  ruleTargets(rule: ChannelRule): ChannelTarget[];
  stepTargets?(w: ChannelStep): ChannelTarget[];
  targetKey(target: ChannelTarget): string;
  targetName(target: ChannelTarget): string;
  defaultRules(config: ChannelConfig, events: Event[]): ChannelRule[];
  configSecrets(config: ChannelConfig): Array<string | undefined>;
  check(config: ChannelConfig, tools: CheckTools): ConfigReport;
  deliver(d: Delivery<ChannelTarget>, config: ChannelConfig, io: DeliveryIO): Promise<Receipt>;
}

/** The channel named `name`, seen generically. */
export function channelOf(name: ChannelName): DispatchedChannel {
  return CHANNELS[name];
}

/** Every channel, in registry order (which is the order checks report and default routes are listed in). */
export function allChannels(): DispatchedChannel[] {
  return Object.values(CHANNELS).map((channel): DispatchedChannel => channel);
}
