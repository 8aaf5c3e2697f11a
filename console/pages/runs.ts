import type { RunRecord, RunState } from '../../contract/run';
import type { RunbookSummary } from '../../catalog/service';
import { modeBadge, rtoClock, statusBadge, time } from '../format';
import { dataTable, html, type Html } from '../html';

/** A row of the runs page: the durable record and, while it runs, the live state. */
export interface RunRow {
  record: RunRecord;
  state?: RunState;
}

export interface RunFilters {
  runbook?: string;
  mode?: string;
  status?: string;
  since?: string;
}

/** How far back the `since` filter looks. */
export const SINCE: Record<string, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

const DONE = new Set(['succeeded', 'skipped', 'simulated']);

/** n of m steps finished. */
export function progress(state: RunState | undefined): Html {
  if (!state) return html`<span class="muted">—</span>`;
  const done = state.steps.filter((s) => DONE.has(s.status)).length;
  const total = state.steps.length;
  return html`<span class="progress"><meter min="0" max="${total}" value="${done}" aria-hidden="true"></meter> ${done} of ${total} steps</span>`;
}

/** What a run waits for and from whom. */
export function waitingSummary(state: RunState | undefined): Html {
  if (!state || state.waitingFor.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="waits">
    ${state.waitingFor.map((w) => html`<li><strong>${w.kind}</strong>: ${w.message} <span class="muted">(from ${w.from.join(', ') || 'anyone'})</span></li>`)}
  </ul>`;
}

function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}" ${selected === value ? html` selected` : ''}>${label}</option>`;
}

function filters(f: RunFilters, runbooks: RunbookSummary[]): Html {
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter runs">
    <label
      >Runbook
      <select name="runbook">
        ${option('', 'any', f.runbook ?? '')}${runbooks.map((r) => option(r.id, r.id, f.runbook))}
      </select></label
    >
    <label
      >Mode
      <select name="mode">
        ${option('', 'any', f.mode ?? '')}${option('drill', 'drill', f.mode)}${option('recovery', 'recovery', f.mode)}
      </select></label
    >
    <label
      >Status
      <select name="status">
        ${option('', 'any', f.status ?? '')}${['running', 'completed', 'failed', 'aborted'].map((s) => option(s, s, f.status))}
      </select></label
    >
    <label
      >Started
      <select name="since">
        ${option('', 'any time', f.since ?? '')}${option('1h', 'last hour', f.since)}${option('24h', 'last 24 hours', f.since)}${option('7d', 'last 7 days', f.since)}${option('30d', 'last 30 days', f.since)}
      </select></label
    >
    <button type="submit">Filter</button>
  </form>`;
}

function row({ record: r, state }: RunRow): Html {
  const status = state?.status ?? r.status;
  const clock = state?.recovery ?? r.recovery;
  return html`<tr data-run="${r.runId}">
    <td data-label="Status">${statusBadge(status)}</td>
    <td data-label="Mode">${modeBadge(r.mode)}</td>
    <td data-label="Run">
      <a href="/runs/${encodeURIComponent(r.runId)}">${r.title ?? r.runId}</a>
      <div class="muted small">${r.runId}</div>
    </td>
    <td data-label="Runbook"><a href="/console/runbooks/${encodeURIComponent(r.runbookId)}">${r.runbookId}</a> <span class="muted">v${r.version}</span></td>
    <td data-label="Started by">
      ${r.requester}
      <div class="muted small">${r.trigger.kind}</div>
    </td>
    <td data-label="Started">${time(r.startedAt)}</td>
    <td data-label="Progress">${progress(state)}</td>
    <td data-label="RTO">${rtoClock(clock)}</td>
    <td data-label="Waiting for">${waitingSummary(state)}</td>
  </tr>`;
}

/** The home page: running runs first, then the others newest first, with filters; refreshed live. */
export function runsPage(o: { rows: RunRow[]; filters: RunFilters; runbooks: RunbookSummary[]; more: boolean }): Html {
  const running = o.rows.filter((r) => (r.state?.status ?? r.record.status) === 'running' || r.state?.status === 'paused').length;
  return html`<h1>Runs</h1>
    ${filters(o.filters, o.runbooks)}
    <section data-live="runs" aria-live="polite">
      <p class="summary">${running} running · ${o.rows.length} shown${o.more ? ' (older runs: narrow the filters)' : ''}</p>
      ${
        o.rows.length === 0
          ? html`<p class="empty">No runs match. Start a drill from a <a href="/console/runbooks">runbook</a>.</p>`
          : dataTable('runs', ['Status', 'Mode', 'Run', 'Runbook', 'Started by', 'Started', 'Progress', 'RTO', 'Waiting for'], o.rows.map(row))
      }
    </section>`;
}
