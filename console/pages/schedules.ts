import type { ScheduleSummary } from '../../schedules/types';
import { statusBadge, time } from '../format';
import { dataTable, html, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';

/** Scheduled drills: cadence, next times (in the viewer's zone), the drills each started, and admin controls. */
export function schedulesPage(ctx: PageContext, schedules: readonly ScheduleSummary[], refusal: string | undefined): Html {
  return html`<h1>Scheduled drills</h1>
    ${refusal ? html`<p class="why" role="note">Pausing, resuming and starting a drill now: ${refusal}.</p>` : ''}
    ${
      schedules.length === 0
        ? html`<p class="empty">No drills are scheduled. Create one with <code>lifeboat schedule create</code> or <code>POST /schedules</code>.</p>`
        : dataTable(
            'schedules',
            ['Schedule', 'Runbook', 'When', 'State', 'Next drills', 'Recent drills', ...(refusal ? [] : ['Actions'])],
            schedules.map((s) => row(ctx, s, refusal === undefined)),
          )
    }`;
}

function row(ctx: PageContext, s: ScheduleSummary, admin: boolean): Html {
  const id = encodeURIComponent(s.id);
  const control = (op: string, label: string, note: boolean) =>
    html`<form method="post" action="/console/schedules/${id}/${op}" class="inline-form">
      ${csrfField(ctx)}${note ? html`<label class="sr" for="note-${op}-${s.id}">Note</label><input id="note-${op}-${s.id}" name="note" placeholder="note (optional)" size="14" />` : ''}
      <button type="submit">${label}</button>
    </form>`;
  return html`<tr data-schedule="${s.id}">
    <td data-label="Schedule"><code>${s.id}</code></td>
    <td data-label="Runbook">
      <a href="/console/runbooks/${encodeURIComponent(s.runbook)}">${s.runbook}</a>${s.version === undefined ? html` <span class="muted">latest</span>` : html` v${s.version}`}
    </td>
    <td data-label="When">${s.cron ? html`<code>${s.cron}</code>${s.timezone ? ` (${s.timezone})` : ' (UTC)'}` : html`every ${s.every ?? '—'}`}</td>
    <td data-label="State">
      ${s.paused ? html`<span class="status status-paused"><span aria-hidden="true">‖</span> paused</span>${s.note ? html` <span class="muted">${s.note}</span>` : ''}` : 'active'}
    </td>
    <td data-label="Next drills">${s.paused ? html`<span class="muted">none while paused</span>` : html`${s.nextActionTimes.slice(0, 3).map((t) => html`${time(t)}<br />`)}`}</td>
    <td data-label="Recent drills">
      ${
        s.recentRuns.length
          ? s.recentRuns
              .slice(-3)
              .reverse()
              .map(
                (r) =>
                  html`<a href="/runs/${encodeURIComponent(r.runId)}">${r.status ? statusBadge(r.status) : html`<span class="muted">starting</span>`}</a> ${time(r.takenAt)}<br />`,
              )
          : html`<span class="muted">none yet</span>`
      }
    </td>
    ${admin ? html`<td data-label="Actions">${s.paused ? control('resume', 'Resume', true) : control('pause', 'Pause', true)} ${control('trigger', 'Start a drill now', false)}</td>` : ''}
  </tr>`;
}
