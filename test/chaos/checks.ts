// What the chaos suite holds every run to once the faults are over, read as an outsider reads it: through the API
// (record, timeline, chain verification, report) and from what the target saw.
import type { Json } from '../harness/http';
import type { PlannedStep } from './plan';
import type { TargetCall } from './target';

export interface RunOutcome {
  runId: string;
  status: string;
  steps: number;
  events: number;
  /** step.redispatched events: attempts re-dispatched after a lost worker. */
  redispatched: number;
  /** Calls the target got again under the key it had already seen (a lost answer, re-sent under the same key). */
  repeats: number;
  violations: string[];
}

interface StoredEvent {
  seq: number;
  type: string;
  stepId?: string;
  actor?: string;
}

/** The run as the API answers it, and the calls the target saw for it. */
export interface RunEvidence {
  runId: string;
  planned: PlannedStep[];
  requester: string;
  approver: string;
  record: Json;
  timeline: Json;
  verify: Json;
  report: Json;
  calls: TargetCall[];
}

/** Every promise the suite checks, for one run; each broken one is a line naming the run, the step and what was seen. */
export function checkRun(e: RunEvidence): RunOutcome {
  const v: string[] = [];
  const events = (e.timeline?.events ?? []) as StoredEvent[];
  if (e.record?.status !== 'completed') v.push(`run is ${e.record?.status ?? 'unknown'}, not completed${e.record?.error ? `: ${e.record.error}` : ''}`);
  v.push(...timelineViolations(events, e.planned));
  if (e.verify?.ok !== true || e.verify?.events !== events.length) v.push(`/verify answered ${JSON.stringify(e.verify)} for ${events.length} events`);
  v.push(...reportViolations(e, events));
  let repeats = 0;
  for (const step of e.planned) {
    const calls = e.calls.filter((c) => c.stepId === step.id);
    const found = targetViolations(e.runId, step, calls);
    v.push(...found.violations);
    repeats += found.repeats;
  }
  const known = new Set(e.planned.map((s) => s.id));
  for (const c of e.calls.filter((c) => !known.has(c.stepId))) v.push(`the target got a call for step ${c.stepId}, which the runbook does not have`);
  return {
    runId: e.runId,
    status: e.record?.status ?? 'unknown',
    steps: e.planned.length,
    events: events.length,
    redispatched: events.filter((x) => x.type === 'step.redispatched').length,
    repeats,
    violations: v.map((line) => `${e.runId}: ${line}`),
  };
}

/** Contiguous seqs from 1, one start and one end of the run, and per step one start and one success, no failure. */
function timelineViolations(events: StoredEvent[], planned: PlannedStep[]): string[] {
  const v: string[] = [];
  const gaps = events.map((x, i) => [x.seq, i + 1]).filter(([seq, want]) => seq !== want);
  if (gaps.length) v.push(`timeline seqs are not contiguous from 1: first at position ${gaps[0]![1]} is seq ${gaps[0]![0]} (${events.length} events)`);
  const count = (type: string, stepId?: string) => events.filter((x) => x.type === type && (stepId === undefined || x.stepId === stepId)).length;
  for (const type of ['run.started', 'run.completed']) if (count(type) !== 1) v.push(`${count(type)} ${type} events, expected 1`);
  if (events.length && events[events.length - 1]!.type !== 'run.completed') v.push(`the last event is ${events[events.length - 1]!.type}, not run.completed`);
  for (const s of planned) {
    for (const type of ['step.started', 'step.succeeded']) if (count(type, s.id) !== 1) v.push(`step ${s.id}: ${count(type, s.id)} ${type} events, expected 1`);
    if (count('step.failed', s.id)) v.push(`step ${s.id}: ${count('step.failed', s.id)} step.failed events (a lost attempt counted as a failure?)`);
  }
  return v;
}

/** The report says what the timeline says: every step succeeded, the chain verifies, one sign-off per approval. */
function reportViolations(e: RunEvidence, events: StoredEvent[]): string[] {
  const v: string[] = [];
  const r = e.report;
  if (r?.status !== 'completed') v.push(`the report says ${r?.status}, not completed`);
  if (r?.verification?.ok !== true) v.push(`the report's verification is ${JSON.stringify(r?.verification)}`);
  const steps = new Map<string, string>(((r?.steps ?? []) as Array<{ id: string; status: string }>).map((s) => [s.id, s.status]));
  for (const s of e.planned) {
    const succeeded = events.some((x) => x.type === 'step.succeeded' && x.stepId === s.id);
    const reported = steps.get(s.id);
    if (reported !== 'succeeded' || !succeeded)
      v.push(`step ${s.id}: the report says ${reported ?? 'nothing'}, the timeline ${succeeded ? 'step.succeeded' : 'no step.succeeded'}`);
  }
  if (steps.size !== e.planned.length) v.push(`the report lists ${steps.size} steps, the runbook has ${e.planned.length}`);
  const signOffs = (r?.signOffs ?? []) as Array<{ kind: string; stepId?: string; actor: string; outcome: string }>;
  for (const s of e.planned.filter((p) => p.kind === 'approval')) {
    const mine = signOffs.filter((o) => o.kind === 'approval' && o.stepId === s.id);
    if (mine.length !== 1 || mine[0]!.actor !== e.approver || mine[0]!.outcome !== 'granted') {
      v.push(`step ${s.id}: the report's sign-offs are ${JSON.stringify(mine)}, expected one grant by ${e.approver}`);
    }
  }
  return v;
}

/**
 * What one step's calls must look like at the target: an http step's under exactly the key `<run>/<step>`, a notify
 * step's under exactly one delivery id, a check's polls until ready (reads, no key); approvals and waits call nothing.
 */
function targetViolations(runId: string, step: PlannedStep, calls: TargetCall[]): { violations: string[]; repeats: number } {
  const keys = [...new Set(calls.map((c) => c.key ?? '(none)'))];
  const at = `step ${step.id} (${step.kind})`;
  switch (step.kind) {
    case 'fast':
    case 'slow': {
      const want = `${runId}/${step.id}`;
      if (calls.length === 0) return { violations: [`${at}: never reached the target`], repeats: 0 };
      if (keys.length !== 1 || keys[0] !== want) return { violations: [`${at}: the target saw keys ${keys.join(', ')}; expected only ${want}`], repeats: calls.length - 1 };
      return { violations: [], repeats: calls.length - 1 };
    }
    case 'notify':
      if (calls.length === 0) return { violations: [`${at}: the webhook never reached the target`], repeats: 0 };
      if (keys.length !== 1 || keys[0] === '(none)')
        return { violations: [`${at}: the webhook came under ${keys.length} delivery ids (${keys.join(', ')}); expected one`], repeats: calls.length - 1 };
      return { violations: [], repeats: calls.length - 1 };
    case 'check':
      if (!calls.some((c, i) => i >= 1 && !c.hungUp)) return { violations: [`${at}: ${calls.length} polls reached the target; it answers ready from the second`], repeats: 0 };
      return { violations: [], repeats: 0 };
    case 'approval':
    case 'wait':
      return { violations: calls.length ? [`${at}: made ${calls.length} calls to the target; it makes none`] : [], repeats: 0 };
  }
}
