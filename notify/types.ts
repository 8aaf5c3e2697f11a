import { z } from 'zod';
import { Event, NotificationRule } from '../model/runbook';
import { Mode } from '../model/runbook';

/** Where one notification goes. */
export const NotificationTarget = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('email'), to: z.array(z.string()).min(1) }),
  z.object({ channel: z.literal('webhook'), url: z.string(), format: z.enum(['json', 'chat']).default('json') }),
]);
export type NotificationTarget = z.infer<typeof NotificationTarget>;

/**
 * What a message is about: a runbook event, or `step.notify` for a runbook's own notify step (whose author-written
 * subject and body are in `detail`). `step.notify` is not an Event because runbook rules cannot subscribe to it.
 */
export const MessageKind = z.enum([...Event.options, 'step.notify']);
export type MessageKind = z.infer<typeof MessageKind>;

/** What happened, with what people need to act on it; rendered into an email or webhook body by the activity. */
export const NotificationMessage = z.object({
  event: MessageKind,
  runId: z.string(),
  runbookId: z.string(),
  runbookTitle: z.string(),
  mode: Mode,
  at: z.string(),
  stepId: z.string().optional(),
  stepTitle: z.string().optional(),
  /** Event-specific facts: error and attempts, approvers and quorum, instructions, status and recovery time… */
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;

/** One delivery: a message to a target, under a key unique per event and target (checked before sending). */
export const NotificationDelivery = z.object({
  key: z.string().min(1),
  target: NotificationTarget,
  message: NotificationMessage,
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

/** What sendNotification did: sent now, or found the key already delivered by an earlier attempt. */
export const DeliveryOutcome = z.object({ status: z.enum(['sent', 'duplicate']), target: z.string() });
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

/** The worker's own routes (from configuration), added to every runbook's rules. */
export const DefaultRoutes = z.array(NotificationRule);
export type DefaultRoutes = z.infer<typeof DefaultRoutes>;
