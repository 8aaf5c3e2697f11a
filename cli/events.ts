import { formatDuration } from '../model/duration';
import { answerCommands } from '../notify/actions';
import type { RunState } from '../contract/run';
import type { TimelineEvent, TimelineEventOf, TimelineEventType } from '../timeline/event';

const suffix = (text: string | undefined, sep = ': ') => (text ? `${sep}${text}` : '');
const run = (e: TimelineEventOf<'run.completed' | 'run.failed' | 'run.aborted'>) => suffix(e.detail.error);
const answer = (e: TimelineEventOf<'approval.granted' | 'approval.rejected'>) => suffix(e.detail.comment);
const note = (e: TimelineEventOf<'manual.completed' | 'manual.failed'>) => suffix(e.detail.note);
const error = (e: TimelineEventOf<'step.failed' | 'step.timed-out'>) => suffix(e.detail.error);

// How each kind of event reads in a terminal; anything not listed prints its type, step and actor.
const LINES: { [T in TimelineEventType]?: (e: TimelineEventOf<T>) => string } = {
  'run.started': (e) => `run started: ${e.detail.runbook} v${e.detail.version} in ${e.detail.mode} mode, by ${e.actor}`,
  'run.paused': (e) => `run paused by ${e.actor}${suffix(e.detail.reason)}`,
  'run.resumed': (e) => `run resumed by ${e.actor}`,
  'run.completed': () => 'run completed',
  'run.failed': (e) => `run failed${run(e)}`,
  'run.aborted': (e) => `run aborted by ${e.actor}${run(e)}`,
  'step.started': (e) => `▶ ${e.stepId} started${(e.attempt ?? 1) > 1 ? ` (attempt ${e.attempt})` : ''}`,
  'step.succeeded': (e) => `✔ ${e.stepId} succeeded in ${formatDuration(e.detail.durationMs)}`,
  'step.failed': (e) => `✘ ${e.stepId} failed${error(e)}`,
  'step.timed-out': (e) => `✘ ${e.stepId} timed out${error(e)}`,
  'step.redispatched': (e) => `↻ ${e.stepId} dispatched again (${e.detail.reason}), same attempt and key`,
  'step.retrying': (e) => `↻ ${e.stepId} retries in ${formatDuration(e.detail.afterMs)} (attempt ${e.attempt})`,
  'step.skipped': (e) => `↷ ${e.stepId} skipped${suffix(e.detail.reason)}`,
  'step.simulated': (e) => `~ ${e.stepId} simulated (drill)`,
  'approval.requested': (e) => `? ${e.stepId} needs approval from ${e.detail.approvers.join(', ')}${suffix(e.detail.instructions, ' — ')}`,
  'approval.granted': (e) => `✔ ${e.actor} approved ${e.stepId}${answer(e)}`,
  'approval.rejected': (e) => `✘ ${e.actor} rejected ${e.stepId}${answer(e)}`,
  'approval.expired': (e) => `✘ approval of ${e.stepId} expired`,
  'manual.assigned': (e) => `? ${e.stepId} is a manual task${suffix(e.detail.assignee, ' for ')}`,
  'manual.completed': (e) => `✔ ${e.actor} completed ${e.stepId}${note(e)}`,
  'manual.failed': (e) => `✘ ${e.actor} reported ${e.stepId} failed${note(e)}`,
  'decision.needed': (e) => `? ${e.stepId} failed and needs a decision (retry, skip or abort)${suffix(e.detail.error)}`,
  'decision.made': (e) => `${e.actor} decided ${e.detail.decision} for ${e.stepId}`,
  'notification.sent': (e) => `✉ ${e.detail.event} sent by ${e.detail.channel} to ${e.detail.target}`,
  'notification.failed': (e) => `✉ ${e.detail.event} not sent to ${e.detail.target}${suffix(e.detail.error)}`,
  'recovery.achieved': ({ detail: { achievedMs, targetMs, breached } }) =>
    `recovery achieved in ${formatDuration(achievedMs)}${targetMs !== undefined ? ` (RTO ${formatDuration(targetMs)}${breached ? ', BREACHED' : ', met'})` : ''}`,
};

// Looks up the line for the event's own type: generic so TypeScript relates the entry to the event it is given.
function line<T extends TimelineEventType>(type: T, e: TimelineEventOf<T>): string | undefined {
  return LINES[type]?.(e);
}

/** One timeline event as a terminal line: `HH:MM:SS  #seq  text`. */
export function eventLine(e: TimelineEvent): string {
  const text = line(e.type, e) ?? `${e.type}${e.stepId ? ` ${e.stepId}` : ''}${e.actor !== 'lifeboat' ? ` by ${e.actor}` : ''}`;
  return `${e.at.slice(11, 19)}  #${e.seq}  ${text}`;
}

const DONE = new Set(['succeeded', 'failed', 'skipped', 'simulated', 'cancelled']);

/** `3/5 steps done`. */
export function progressLine(state: RunState): string {
  const done = state.steps.filter((s) => DONE.has(s.status)).length;
  return `progress: ${done}/${state.steps.length} steps done`;
}

/** What the run waits for, each with the command that answers it. */
export function waitingLines(state: RunState): string[] {
  return state.waitingFor.map((w) => `waiting for ${w.from.join(' or ')}: ${w.message} — ${answerCommands(w.kind, state.runId, w.stepId)[0]}`);
}
