// What the chaos suite does, drawn from its seed: the runbooks (a mix of every kind of step) and the faults (which
// process, when, for how long). The same seed gives the same plan; what the processes do under it is up to timing.

/** A small seeded PRNG (mulberry32): the plan must be reproducible from the seed the suite prints. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  return { next, int, pick, shuffle };
}
export type Rng = ReturnType<typeof rng>;

export const STEP_KINDS = ['fast', 'slow', 'check', 'notify', 'approval', 'wait'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
const WEIGHTED: readonly StepKind[] = ['fast', 'fast', 'fast', 'slow', 'slow', 'check', 'notify', 'notify', 'approval', 'wait'];

/** The id of the last step of every runbook: an approval the driver grants only once every fault has been injected. */
export const GATE = 'gate';

export interface PlannedStep {
  id: string;
  kind: StepKind;
  definition: Record<string, unknown>;
}

/**
 * A runbook of `steps` steps (at least 7: one of each kind, then the gate), in groups of one or two steps, each group
 * needing the one before; the last step is the gate. Every step that calls out names its run and itself in the path.
 */
export function planRunbook(r: Rng, id: string, steps: number, targetUrl: string): { definition: Record<string, unknown>; steps: PlannedStep[] } {
  if (steps < STEP_KINDS.length + 1) throw new Error(`a chaos runbook needs at least ${STEP_KINDS.length + 1} steps (one of each kind and the gate), not ${steps}`);
  const kinds = [...r.shuffle([...STEP_KINDS]), ...Array.from({ length: steps - STEP_KINDS.length - 1 }, () => r.pick(WEIGHTED))];
  const planned: PlannedStep[] = [];
  let previous: string[] = [];
  let group: string[] = [];
  const add = (sid: string, kind: StepKind) => {
    planned.push({ id: sid, kind, definition: { id: sid, ...stepBody(r, kind, sid, targetUrl), ...(previous.length ? { needs: previous } : {}) } });
    group.push(sid);
  };
  for (const [i, kind] of kinds.entries()) {
    add(`s${String(i + 1).padStart(2, '0')}-${kind}`, kind);
    if (group.length === 2 || r.next() < 0.6) [previous, group] = [group, []];
  }
  if (group.length) [previous, group] = [group, []];
  add(GATE, 'approval');
  return { definition: { id, title: `chaos ${id}`, steps: planned.map((s) => s.definition) }, steps: planned };
}

function stepBody(r: Rng, kind: StepKind, id: string, url: string): Record<string, unknown> {
  const at = (k: string) => `${url}/${k}/{{ run.id }}/${id}`;
  switch (kind) {
    case 'fast':
      return { action: 'http', with: { method: 'POST', url: at('fast'), json: { step: id } } };
    case 'slow':
      return { action: 'http', with: { method: 'POST', url: `${at('slow')}?hold=${r.int(3, 8) * 1000}`, json: { step: id } } };
    case 'check':
      return { action: 'check', with: { url: at('check'), every: '1s', until: { path: 'ready', op: 'eq', value: true } } };
    case 'notify':
      return { action: 'notify', with: { channel: 'webhook', url: at('notify'), subject: `chaos ${id}`, body: `step ${id} of {{ run.id }}` } };
    case 'approval':
      return { action: 'approval', with: { approvers: ['operator'] } };
    case 'wait':
      return { action: 'wait', with: { duration: `${r.int(2, 5)}s` } };
  }
}

/** The processes the suite kills, and the freeze it inflicts on the store. */
export const FAULT_KINDS = ['worker', 'api', 'temporal', 'ferretdb', 'ferretdb-stop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** Hold the fault until the target has a call open (a step mid-request), for up to AIM_MS: the worst moment. */
  midCall: boolean;
  /**
   * Strike once this share of the runs' outward steps (http, check, notify) has reached the target, and at least a
   * second after the previous fault's process is back: faults spread over the work, whatever its speed.
   */
  atProgress: number;
  /** How long the process stays down (killed) or frozen (SIGSTOP) before it is started again (SIGCONT). */
  downMs: number;
}

/**
 * `kills` SIGKILLs spread evenly over the four process kinds (so each kind is killed at least once when kills ≥ 4)
 * and `stops` SIGSTOPs of FerretDB, in a seeded order at seeded points of the runs' progress, three in four of them
 * aimed at a call in flight.
 */
export function planFaults(r: Rng, kills: number, stops: number): PlannedFault[] {
  const killed: FaultKind[] = ['worker', 'api', 'temporal', 'ferretdb'];
  const kinds = r.shuffle([...Array.from({ length: kills }, (_, i) => killed[i % killed.length]!), ...Array.from({ length: stops }, () => 'ferretdb-stop' as const)]);
  const down: Record<FaultKind, [number, number]> = { worker: [0, 4], api: [0, 4], temporal: [1, 8], ferretdb: [1, 12], 'ferretdb-stop': [5, 20] };
  return kinds.map((kind, i) => ({
    kind,
    atProgress: (0.9 * (i + 0.2 + 0.6 * r.next())) / kinds.length,
    midCall: r.next() < 0.75,
    downMs: r.int(...down[kind]) * 1000,
  }));
}
