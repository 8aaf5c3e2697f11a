import type { StepState } from '../../contract/run';
import type { Plan } from '../../model/plan';
import { duration } from '../format';
import { html, type Html } from '../html';

// The Gantt is SVG drawn with attributes (x, width), not CSS, so it needs no inline style under the console's CSP.

const WIDTH = 1000;
const LABEL = 220;
const ROW = 26;

interface Span {
  from: number;
  to: number;
}

/** One row: a step's planned bar (thin), its actual bar (thick) when it ran, and the marks that tell more than colour. */
interface GanttRow {
  id: string;
  label: string;
  status?: string;
  planned?: Span;
  actual?: Span;
  critical: boolean;
  note: string;
}

/** What marks a step's bar besides its colour: retries, skips, simulations, fresh executions, the critical path. */
function marks(s: StepState, critical: boolean): string {
  const m: string[] = [];
  if (critical) m.push('★ critical');
  if (s.attempts > 1) m.push(`↻ ${s.attempts} attempts`);
  if ((s.execution ?? 1) > 1) m.push(`re-dispatched (execution ${s.execution ?? 1})`);
  if (s.status === 'skipped' || s.status === 'simulated' || s.status === 'failed' || s.status === 'running' || s.status === 'waiting') m.push(s.status);
  return m.join(' · ');
}

const plannedSpan = (plan: Plan | undefined) => {
  const byId = new Map((plan?.steps ?? []).map((p) => [p.id, { from: p.earliestStartMs, to: p.earliestFinishMs }]));
  return (id: string) => byId.get(id);
};

/** Planned (the planner's expected times) against actual step times, with the critical path and the RTO line. */
export function gantt(o: { plan?: Plan; steps: StepState[]; startedAt: string; now: number }): Html {
  const start = Date.parse(o.startedAt);
  const planned = plannedSpan(o.plan);
  const critical = new Set(o.plan?.criticalPath ?? []);
  const rows = o.steps.map((s): GanttRow => {
    const from = s.startedAt ? Date.parse(s.startedAt) - start : undefined;
    const to = from === undefined ? undefined : (s.finishedAt ? Date.parse(s.finishedAt) : o.now) - start;
    return {
      id: s.id,
      label: s.title ?? s.id,
      status: s.status,
      planned: planned(s.id),
      actual: from === undefined || to === undefined ? undefined : { from, to: Math.max(to, from) },
      critical: critical.has(s.id),
      note: marks(s, critical.has(s.id)),
    };
  });
  return draw(rows, o.plan?.totalMs, o.plan?.rtoMs, "Planned (thin bar: the planner's expected times) against actual (thick bar), since the run started");
}

/** A runbook's plan alone: each step's expected window, the critical path and the RTO line. */
export function planGantt(plan: Plan, titles: ReadonlyMap<string, string>): Html {
  const critical = new Set(plan.criticalPath);
  const rows = plan.steps.map((p): GanttRow => ({
    id: p.id,
    label: titles.get(p.id) ?? p.id,
    planned: { from: p.earliestStartMs, to: p.earliestFinishMs },
    critical: critical.has(p.id),
    note: [critical.has(p.id) ? '★ critical' : '', `${duration(p.expectedMs)} expected`].filter(Boolean).join(' · '),
  }));
  return draw(rows, plan.totalMs, plan.rtoMs, `The ${plan.mode} plan: each step's expected window from the start`);
}

function draw(rows: GanttRow[], totalMs: number | undefined, rto: number | undefined, caption: string): Html {
  if (!rows.length) return html``;
  const span = Math.max(1000, totalMs ?? 0, rto ?? 0, ...rows.map((r) => Math.max(r.actual?.to ?? 0, r.planned?.to ?? 0)));
  const x = (ms: number) => LABEL + (ms / span) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + 30;
  const bars = rows.map((r, i) => {
    const y = 20 + i * ROW;
    const p = r.planned;
    const a = r.actual;
    return html`<g class="g-row${r.status ? ` g-${r.status}` : ''}">
      <text x="4" y="${y + 16}" class="g-label${r.critical ? ' g-critical' : ''}">${r.label.slice(0, 28)}</text>
      ${p ? html`<rect class="g-planned${a || r.status ? '' : ' g-plan-only'}" x="${x(p.from)}" y="${y + 3}" width="${Math.max(2, x(p.to) - x(p.from))}" height="${a || r.status ? 8 : 14}"><title>${r.id}: planned ${duration(p.from)} → ${duration(p.to)}</title></rect>` : ''}
      ${a ? html`<rect class="g-actual g-actual-${r.status ?? 'running'}" x="${x(a.from)}" y="${y + 12}" width="${Math.max(2, x(a.to) - x(a.from))}" height="10"><title>${r.id}: ${r.status ?? ''}, ${duration(a.to - a.from)}${r.note ? ` (${r.note})` : ''}</title></rect>` : ''}
      ${r.note ? html`<text x="${Math.min(WIDTH - 200, (a ? x(a.to) : p ? x(p.to) : LABEL) + 6)}" y="${y + 21}" class="g-note">${r.note}</text>` : ''}
    </g>`;
  });
  return html`<figure class="gantt">
    <svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${caption}">
      <text x="${LABEL}" y="12" class="g-axis">0</text>
      ${rto !== undefined && x(rto) > WIDTH - 120 ? '' : html`<text x="${WIDTH - 10}" y="12" class="g-axis" text-anchor="end">${duration(span)}</text>`} ${bars}
      ${rto === undefined ? '' : html`<line class="g-rto" x1="${x(rto)}" x2="${x(rto)}" y1="14" y2="${height}"></line><text x="${x(rto) - 4}" y="12" class="g-axis g-rto-label" text-anchor="end">RTO ${duration(rto)}</text>`}
    </svg>
    <figcaption>${caption}${rto === undefined ? '' : '; the dashed line is the RTO'}. ★ marks the critical path.</figcaption>
  </figure>`;
}
