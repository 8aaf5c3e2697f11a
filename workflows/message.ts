import type { RunFacts } from '../actions/kit';
import type { MessageKind, NotificationMessage } from '../notify/message';

/** The message for one event of a run, as every channel's template reads it. */
export function notificationMessage(
  run: RunFacts,
  event: MessageKind,
  at: string,
  step?: { id: string; title?: string },
  detail: Record<string, unknown> = {},
): NotificationMessage {
  return { event, runId: run.runId, runbookId: run.runbook.id, runbookTitle: run.runbook.title, mode: run.mode, at, stepId: step?.id, stepTitle: step?.title, detail };
}
