import type { StepState } from '../../contract/run';
import type { Plan } from '../../model/plan';
import { duration } from '../format';
import { html, type Html } from '../html';

// The Gantt is SVG drawn with attributes (x, width), not CSS, so it needs no inline style under the console's CSP.

const WIDTH = 1000;
const LABEL = 220;
const ROW = 26;

/** What marks a step's bar besides its colour: retries, skips, simulations, fresh executions, the critical path. */
function marks(s: StepState, critical: boolean): string {
  const m: string[] = [];
  if (critical) m.push('★ critical');
  if (s.attempts > 1) m.push(`↻ ${s.attempts} attempts`);
  if ((s.execution ?? 1) > 1) m.push(`re-dispatched (execution ${s.execution ?? 1})`);
  if (s.status === 'skipped' || s.status === 'simulated' || s.status === 'failed' || s.status === 'running' || s.status === 'waiting') m.push(s.status);
  return m.join(' · ');
}

/** Planned (the planner's expected times) against actual step times, with the critical path and the RTO line. */
export function gantt(o: { plan?: Plan; steps: StepState[]; startedAt: string; now: number }): Html {
  if (!o.steps.length) return html``;
  const start = Date.parse(o.startedAt);
  const actual = (s: StepState) => {
    if (!s.startedAt) return undefined;
    const from = Date.parse(s.startedAt) - start;
    const to = (s.finishedAt ? Date.parse(s.finishedAt) : o.now) - start;
    return { from, to: Math.max(to, from) };
  };
  const planned = new Map((o.plan?.steps ?? []).map((p) => [p.id, p]));
  const critical = new Set(o.plan?.criticalPath ?? []);
  const span = Math.max(1000, o.plan?.totalMs ?? 0, o.plan?.rtoMs ?? 0, ...o.steps.map((s) => actual(s)?.to ?? 0));
  const x = (ms: number) => LABEL + (ms / span) * (WIDTH - LABEL - 10);
  const height = o.steps.length * ROW + 30;
  const rows = o.steps.map((s, i) => {
    const y = 20 + i * ROW;
    const p = planned.get(s.id);
    const a = actual(s);
    const note = marks(s, critical.has(s.id));
    return html`<g class="g-row g-${s.status}">
      <text x="4" y="${y + 16}" class="g-label${critical.has(s.id) ? ' g-critical' : ''}">${(s.title ?? s.id).slice(0, 28)}</text>
      ${p ? html`<rect class="g-planned" x="${x(p.earliestStartMs)}" y="${y + 3}" width="${Math.max(2, x(p.earliestFinishMs) - x(p.earliestStartMs))}" height="8"><title>${s.id}: planned ${duration(p.earliestStartMs)} → ${duration(p.earliestFinishMs)}</title></rect>` : ''}
      ${a ? html`<rect class="g-actual g-actual-${s.status}" x="${x(a.from)}" y="${y + 12}" width="${Math.max(2, x(a.to) - x(a.from))}" height="10"><title>${s.id}: ${s.status}, ${duration(a.to - a.from)}${note ? ` (${note})` : ''}</title></rect>` : ''}
      ${note ? html`<text x="${Math.min(WIDTH - 200, (a ? x(a.to) : p ? x(p.earliestFinishMs) : LABEL) + 6)}" y="${y + 21}" class="g-note">${note}</text>` : ''}
    </g>`;
  });
  const rto = o.plan?.rtoMs;
  return html`<figure class="gantt">
    <svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="gantt-cap">
      <text x="${LABEL}" y="12" class="g-axis">0</text>
      <text x="${WIDTH - 10}" y="12" class="g-axis" text-anchor="end">${duration(span)}</text>
      ${rows}
      ${rto === undefined ? '' : html`<line class="g-rto" x1="${x(rto)}" x2="${x(rto)}" y1="14" y2="${height}"></line><text x="${x(rto) - 4}" y="12" class="g-axis g-rto-label" text-anchor="end">RTO ${duration(rto)}</text>`}
    </svg>
    <figcaption id="gantt-cap">
      Planned (thin bar: the planner's expected times) against actual (thick bar), since the run started${rto === undefined ? '' : '; the line is the RTO'}. ★ marks the critical
      path.
    </figcaption>
  </figure>`;
}
