import { formatDuration } from '../model/duration';
import type { RunState } from '../contract/run';
import type { TimelineEvent } from '../timeline/event';

type Detail = Record<string, unknown>;

const str = (d: Detail | undefined, key: string): string => {
  const v = d?.[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : Array.isArray(v) ? v.join(', ') : '';
};
const dur = (d: Detail | undefined, key: string): string => {
  const v = d?.[key];
  return typeof v === 'number' ? formatDuration(v) : '?';
};
const suffix = (text: string, sep = ': ') => (text ? `${sep}${text}` : '');

// How each kind of event reads in a terminal; anything not listed prints its type, step and actor.
const LINES: Partial<Record<TimelineEvent['type'], (e: TimelineEvent) => string>> = {
  'run.started': (e) => `run started: ${str(e.detail, 'runbook')} v${str(e.detail, 'version')} in ${str(e.detail, 'mode')} mode, by ${e.actor}`,
  'run.paused': (e) => `run paused by ${e.actor}${suffix(str(e.detail, 'reason'))}`,
  'run.resumed': (e) => `run resumed by ${e.actor}`,
  'run.completed': () => 'run completed',
  'run.failed': (e) => `run failed${suffix(str(e.detail, 'error'))}`,
  'run.aborted': (e) => `run aborted by ${e.actor}${suffix(str(e.detail, 'error'))}`,
  'step.started': (e) => `▶ ${e.stepId} started${(e.attempt ?? 1) > 1 ? ` (attempt ${e.attempt})` : ''}`,
  'step.succeeded': (e) => `✔ ${e.stepId} succeeded in ${dur(e.detail, 'durationMs')}`,
  'step.failed': (e) => `✘ ${e.stepId} failed${suffix(str(e.detail, 'error'))}`,
  'step.timed-out': (e) => `✘ ${e.stepId} timed out${suffix(str(e.detail, 'error'))}`,
  'step.retrying': (e) => `↻ ${e.stepId} retries in ${dur(e.detail, 'afterMs')} (attempt ${e.attempt})`,
  'step.skipped': (e) => `↷ ${e.stepId} skipped${suffix(str(e.detail, 'reason'))}`,
  'step.simulated': (e) => `~ ${e.stepId} simulated (drill)`,
  'approval.requested': (e) => `? ${e.stepId} needs approval from ${str(e.detail, 'approvers')}${suffix(str(e.detail, 'instructions'), ' — ')}`,
  'approval.granted': (e) => `✔ ${e.actor} approved ${e.stepId}${suffix(str(e.detail, 'comment'))}`,
  'approval.rejected': (e) => `✘ ${e.actor} rejected ${e.stepId}${suffix(str(e.detail, 'comment'))}`,
  'approval.expired': (e) => `✘ approval of ${e.stepId} expired`,
  'manual.assigned': (e) => `? ${e.stepId} is a manual task${suffix(str(e.detail, 'assignee'), ' for ')}`,
  'manual.completed': (e) => `✔ ${e.actor} completed ${e.stepId}${suffix(str(e.detail, 'note'))}`,
  'manual.failed': (e) => `✘ ${e.actor} reported ${e.stepId} failed${suffix(str(e.detail, 'note'))}`,
  'decision.needed': (e) => `? ${e.stepId} failed and needs a decision (retry, skip or abort)${suffix(str(e.detail, 'error'))}`,
  'decision.made': (e) => `${e.actor} decided ${str(e.detail, 'decision')} for ${e.stepId}`,
  'notification.sent': (e) => `✉ ${str(e.detail, 'event')} sent by ${str(e.detail, 'channel')} to ${str(e.detail, 'target')}`,
  'notification.failed': (e) => `✉ ${str(e.detail, 'event')} not sent to ${str(e.detail, 'target')}${suffix(str(e.detail, 'error'))}`,
  'recovery.achieved': (e) => `recovery achieved in ${dur(e.detail, 'achievedMs')}${e.detail?.targetMs !== undefined ? ` (RTO ${dur(e.detail, 'targetMs')}${e.detail?.breached ? ', BREACHED' : ', met'})` : ''}`,
};

/** One timeline event as a terminal line: `HH:MM:SS  #seq  text`. */
export function eventLine(e: TimelineEvent): string {
  const text = LINES[e.type]?.(e) ?? `${e.type}${e.stepId ? ` ${e.stepId}` : ''}${e.actor !== 'lifeboat' ? ` by ${e.actor}` : ''}`;
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
  return state.waitingFor.map((w) => {
    const how = w.kind === 'approval' ? `lifeboat approve ${state.runId} ${w.stepId}`
      : w.kind === 'manual' ? `lifeboat complete ${state.runId} ${w.stepId}`
        : w.kind === 'decision' ? `lifeboat decide ${state.runId} ${w.stepId} retry|skip|abort`
          : `lifeboat resume ${state.runId}`;
    return `waiting for ${w.from.join(' or ')}: ${w.message} — ${how}`;
  });
}
