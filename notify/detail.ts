import { z } from 'zod';

// A field of the wrong type is dropped rather than failing the whole message: a notification with one fact
// missing is still worth sending during an incident.
const opt = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * The facts each kind of message may carry in NotificationMessage.detail (all optional; each template prints what
 * is there):
 * run.started {trigger, parameters}; run.finished/completed/failed {status, error, recovery};
 * step.failed {error, attempts}; approval.requested {approvers, quorum, instructions, timeoutMs};
 * approval.escalated {approvers, quorum, waitingMs}; manual.assigned {instructions, assignee};
 * decision.needed {error, attempts, options}; step.notify {subject, body};
 * drill.overdue {owner, every, dueAt, lastDrill, openActions}.
 */
export const MessageDetail = z.object({
  trigger: opt(z.object({ kind: z.string().optional(), by: z.string().optional() })),
  parameters: opt(z.record(z.string(), z.unknown())),
  status: opt(z.string()),
  error: opt(z.string()),
  attempts: opt(z.number()),
  recovery: opt(z.object({ targetMs: opt(z.number()), achievedMs: opt(z.number()), breached: opt(z.boolean()) })),
  approvers: opt(z.array(z.string())),
  quorum: opt(z.number()),
  instructions: opt(z.string()),
  timeoutMs: opt(z.number()),
  waitingMs: opt(z.number()),
  assignee: opt(z.string()),
  options: opt(z.array(z.string())),
  subject: opt(z.string()),
  body: opt(z.string()),
  owner: opt(z.string()),
  every: opt(z.string()),
  dueAt: opt(z.string()),
  lastDrill: opt(z.object({ runId: z.string(), startedAt: z.string(), status: z.string() })),
  openActions: opt(z.number()),
});
export type MessageDetail = z.infer<typeof MessageDetail>;
