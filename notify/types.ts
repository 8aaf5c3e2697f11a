import { z } from 'zod';
import { CHANNELS } from '../channels';
import { schemaKit } from '../model/kit';
import type { SecretSlot as TemplateSecretSlot } from '../model/template';
import { NotificationMessage } from './message';

export { MessageKind, NotificationMessage, type RenderedNotification } from './message';

const targets = Object.values(CHANNELS).map((channel) => channel.schemas(schemaKit).target);
const [first, ...rest] = targets;
if (!first) throw new Error('the channel registry is empty');

/** Where one notification goes: one of the registered channels' targets. */
export const NotificationTarget = z.discriminatedUnion('channel', [first, ...rest]);
export type NotificationTarget = z.infer<typeof NotificationTarget>;

const SealedPart = z.union([z.strictObject({ text: z.string() }), z.strictObject({ value: z.string() }), z.strictObject({ secret: z.string() })]);
/** Where a target's secrets go, from the runbook's text (model/template.ts's SecretSlot). */
export const SecretSlot = z.object({ path: z.array(z.union([z.string(), z.number()])), parts: z.array(SealedPart) }) satisfies z.ZodType<TemplateSecretSlot>;

/** One delivery: a message to a target, under a key unique per event and target (checked before sending). */
export const NotificationDelivery = z.object({
  key: z.string().min(1),
  target: NotificationTarget,
  message: NotificationMessage,
  /** Absent only from deliveries scheduled by an older worker. */
  secrets: z.array(SecretSlot).optional(),
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

/** What sendNotification did: sent now, or found the key already delivered by an earlier attempt. */
export const DeliveryOutcome = z.object({ status: z.enum(['sent', 'duplicate']), target: z.string() });
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;
