// Pure: the drill programme as one printable HTML page, self-contained like the report (inline CSS, no scripts, no
// external resources). Every value is escaped.
import { CSS } from './html';
import { badge, escapeHtml, ms, raw, table, td, time, tone } from './html-parts';
import type { Programme, ProgrammeEntry } from './programme';

function lastDrill(e: ProgrammeEntry): string[] {
  const d = e.lastDrill;
  if (!d) return [td('never drilled', 'muted'), td(''), td('')];
  const { targetMs, achievedMs, breached } = d.recovery;
  const rto = `${ms(achievedMs)} of ${ms(targetMs)}${breached ? ' (breached)' : ''}`;
  return [raw(`<span class="mono">${escapeHtml(d.runId)}</span><br>${escapeHtml(time(d.startedAt))}`), raw(badge(d.status, tone(d.status))), td(rto, 'n')];
}

function due(e: ProgrammeEntry): string {
  if (e.overdue) return raw(`${badge('overdue', 'bad')} since ${escapeHtml(time(e.overdueSince))}`);
  if (!e.nextDue) return td('—');
  return td(`${time(e.nextDue.at)} (${e.nextDue.by === 'schedule' ? `schedule ${e.nextDue.scheduleId ?? ''}` : 'cadence'})`);
}

function actions(e: ProgrammeEntry): string {
  if (e.openActions.count === 0) return td('none');
  const items = e.openActions.items.map((a) => `${escapeHtml(a.title)} <span class="muted">(${escapeHtml(`${a.severity}, ${a.owner}, due ${a.due}, ${a.runId} ${a.id}`)})</span>`);
  return raw(`${e.openActions.count}: ${items.join('<br>')}`);
}

function notice(e: ProgrammeEntry): string {
  const n = e.notice;
  if (!n) return td('');
  if (n.recipients.length === 0) return td('no recipient: set owner to an email address');
  const status = n.sentAt ? badge(`sent ${time(n.sentAt)}`, 'ok') : badge('to be retried', 'bad');
  return raw(`${status}<br>${n.deliveries.map((d) => `${escapeHtml(d.target ?? '')}: ${escapeHtml(d.delivery)}`).join('<br>')}`);
}

/** The programme as a standalone HTML document. */
export function renderProgrammeHtml(p: Programme): string {
  const rows = p.runbooks.map((e) => [
    raw(`${escapeHtml(e.runbook.title)}<br><span class="mono">${escapeHtml(e.runbook.id)}</span> v${e.runbook.version}`),
    td(e.owner ?? '—'),
    td([e.every ? `every ${e.every}` : '', ...e.schedules.map((s) => `schedule ${s.id}${s.paused ? ' (paused)' : ''}`)].filter(Boolean).join(', ') || '—'),
    ...lastDrill(e),
    due(e),
    actions(e),
    notice(e),
  ]);
  const overdue = p.runbooks.filter((e) => e.overdue).length;
  const body = table(['Runbook', 'Owner', 'Cadence', 'Last drill', 'Result', 'RTO achieved', 'Next due', 'Open actions', 'Overdue notice'], rows, 'No runbooks are registered.');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drill programme</title><style>${CSS}</style></head>
<body><header><h1>Drill programme</h1>
<p>${overdue ? badge(`${overdue} overdue`, 'bad') : badge('none overdue', 'ok')} <span class="muted">${p.runbooks.length} runbooks — generated ${escapeHtml(time(p.generatedAt))}</span></p></header>
<section>${body}</section>
</body></html>
`;
}
