// The message every channel renders and sends. Kept apart from notify/types.ts (which builds the target union from
// the channel registry) so that channel modules can name these types without an import cycle.
import { z } from 'zod';
import { Event, Mode } from '../model/kit';

/**
 * What a message is about: a runbook event, `step.notify` for a runbook's own notify step (whose author-written
 * subject and body are in `detail`), or `drill.overdue` for the drill programme's notice to a runbook's owner (no run:
 * `runId` is the last drill's, or empty). Neither is an Event because runbook rules cannot subscribe to them.
 */
export const MessageKind = z.enum([...Event.options, 'step.notify', 'drill.overdue']);
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

/** A message rendered for people: an email's subject and parts, and the one-paragraph form for chat webhooks. */
export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
  chat: string;
}
