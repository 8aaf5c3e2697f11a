import type { RunRecord } from '../../contract/run';
import { duration } from '../format';
import { html, type Html } from '../html';

const WIDTH = 1000;
const HEIGHT = 180;
const TOP = 24;
const BOTTOM = 40;
const LEFT = 60;

/**
 * The recovery time of a runbook's drills, oldest to newest: a bar for what each achieved, a tick for its target,
 * and a breach said in words under the bar (status never by colour alone).
 */
export function rtoTrend(drills: readonly RunRecord[]): Html {
  const points = [...drills].reverse();
  if (!points.length) return html`<p class="muted">No drills of this runbook are recorded yet.</p>`;
  const longest = Math.max(1000, ...points.map((p) => Math.max(p.recovery?.achievedMs ?? 0, p.recovery?.targetMs ?? 0)));
  const plot = HEIGHT - TOP - BOTTOM;
  const y = (ms: number) => TOP + plot - (ms / longest) * plot;
  const slot = (WIDTH - LEFT - 10) / points.length;
  const bars = points.map((p, i) => {
    const cx = LEFT + slot * i + slot / 2;
    const w = Math.max(4, Math.min(40, slot * 0.6));
    const achieved = p.recovery?.achievedMs;
    const target = p.recovery?.targetMs;
    const breached = p.recovery?.breached === true;
    const verdict = achieved === undefined ? p.status : breached ? '✖ breached' : target === undefined ? '✔ no target' : '✔ met';
    return html`<g class="t-point${breached ? ' t-breached' : ''}">
      <a href="/runs/${encodeURIComponent(p.runId)}">
        ${achieved === undefined ? '' : html`<rect class="t-bar" x="${cx - w / 2}" y="${y(achieved)}" width="${w}" height="${Math.max(1, TOP + plot - y(achieved))}"></rect>`}
        <title>
          ${p.runId}, ${p.startedAt}:
          ${achieved === undefined ? `${p.status}, no recovery time` : `achieved ${duration(achieved)}`}${target === undefined ? '' : ` against ${duration(target)}`}${breached ? ' — RTO breached' : ''}
        </title>
      </a>
      ${achieved === undefined || points.length > 12 ? '' : html`<text class="t-scale" x="${cx}" y="${y(achieved) - 4}" text-anchor="middle">${duration(achieved)}</text>`}
      ${target === undefined ? '' : html`<line class="t-target" x1="${cx - w / 2 - 4}" x2="${cx + w / 2 + 4}" y1="${y(target)}" y2="${y(target)}"></line>`}
      <text class="t-verdict" x="${cx}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${points.length <= 12 ? verdict : breached ? '✖' : ''}</text>
      <text class="t-date" x="${cx}" y="${HEIGHT - BOTTOM + 32}" text-anchor="middle">${points.length <= 12 ? p.startedAt.slice(5, 10) : ''}</text>
    </g>`;
  });
  return html`<figure class="trend">
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Recovery time of the last ${points.length} drills against their RTO">
      <line class="t-axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plot}"></line>
      <line class="t-axis" x1="${LEFT}" x2="${WIDTH - 10}" y1="${TOP + plot}" y2="${TOP + plot}"></line>
      <text class="t-scale" x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${duration(longest)}</text>
      <text class="t-scale" x="${LEFT - 6}" y="${TOP + plot}" text-anchor="end">0</text>
      ${bars}
    </svg>
    <figcaption>Recovery time achieved by each drill (bar), oldest on the left, against the RTO it had then (tick); a breach is marked ✖ under its bar.</figcaption>
  </figure>`;
}
