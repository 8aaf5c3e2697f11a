// Pure: the report as one printable HTML page. Self-contained (inline CSS, no scripts, no external resources), so
// it can be mailed, archived or printed and read without Lifeboat. Every value is escaped.
import { drillSections } from './html-drill';
import { badge, escapeHtml, ms, raw, table, td, time, tone } from './html-parts';
import type { RunReport } from './types';

export { escapeHtml };

/** The stylesheet of the printable pages (the report, the drill programme). */
export const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;max-width:1000px;margin:2em auto;padding:0 1em}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{background:#f4f4f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}td.t{white-space:nowrap}
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;font-weight:600;font-size:.9em}
.ok{background:#dff3e3;color:#14532d}.bad{background:#fde2e1;color:#7f1d1d}.neutral{background:#ececec;color:#333}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}.muted{color:#666}
.bar{height:.9em;background:#4a7fd1;display:inline-block;vertical-align:middle}.bar.over{background:#c0392b}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
`;

function summary(r: RunReport): string {
  const trigger = r.trigger.kind === 'schedule' ? `schedule ${r.trigger.by}` : `${r.trigger.kind} by ${r.trigger.by}`;
  const rows = [
    ['Runbook', `${r.runbook.id} version ${r.runbook.version}`],
    ['Runbook hash', r.runbook.hash],
    ['Mode', r.mode],
    ['Triggered', trigger],
    ['Requester', r.requester],
    ['Started', time(r.startedAt)],
    ...(r.declaredAt ? [['Disaster declared', time(r.declaredAt)]] : []),
    ['Finished', r.finishedAt ? time(r.finishedAt) : 'still running'],
    ...(r.error ? [['Error', r.error]] : []),
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td${k === 'Runbook hash' ? ' class="mono"' : ''}>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function recovery(r: RunReport): string {
  const { targetMs, achievedMs, breached } = r.recovery;
  const verdict =
    targetMs === undefined
      ? badge('no RTO set', 'neutral')
      : achievedMs === undefined
        ? badge('not achieved', 'bad')
        : breached
          ? badge('RTO breached', 'bad')
          : badge('RTO met', 'ok');
  return `<table><tr><th>RTO target</th><th>Achieved</th><th>Verdict</th></tr><tr>${td(ms(targetMs))}${td(ms(achievedMs))}${raw(verdict)}</tr></table>`;
}

function steps(r: RunReport): string {
  return table(
    ['Step', 'Action', 'Status', 'Expected', 'Actual', 'Attempts', 'Note'],
    r.steps.map((s) => [
      td(s.title ? `${s.id} — ${s.title}` : s.id),
      td(s.action),
      raw(badge(s.status, tone(s.status))),
      td(`${ms(s.expectedMs)}${s.expectedBasis && s.expectedBasis !== 'expected' ? ` (${s.expectedBasis})` : ''}`, 'n'),
      td(ms(s.actualMs), 'n'),
      td(s.attempts, 'n'),
      td(s.error ?? s.reason ?? ''),
    ]),
    'The runbook has no steps.',
  );
}

function trend(r: RunReport): string {
  const points = [...r.trend].reverse(); // oldest first, left to right in time
  const longest = Math.max(1, ...points.map((p) => Math.max(p.achievedMs ?? 0, p.targetMs ?? 0)));
  return table(
    ['Drill', 'Started', 'Status', 'Achieved', 'Target', ''],
    points.map((p) => {
      const width = p.achievedMs === undefined ? 0 : Math.max(1, Math.round((p.achievedMs / longest) * 200));
      const bar = p.achievedMs === undefined ? '<span class="muted">—</span>' : `<span class="bar${p.breached ? ' over' : ''}" style="width:${width}px"></span>`;
      return [
        td(p.runId === r.runId ? `${p.runId} (this run)` : p.runId, 'mono'),
        td(time(p.startedAt), 't'),
        raw(badge(p.status, tone(p.status))),
        td(ms(p.achievedMs), 'n'),
        td(ms(p.targetMs), 'n'),
        raw(bar),
      ];
    }),
    'No drills of this runbook are recorded.',
  );
}

/** The signed head the chain was checked against, kept outside the database (docs/evidence.md). */
function anchor(v: RunReport['verification']): string {
  const a = v.anchor;
  if (!a) return '';
  if (a.heads === 0) return `<p>${badge('no signed head', 'neutral')} ${escapeHtml(a.source)} holds no signed head for this run</p>`;
  const signature =
    a.signature === 'valid'
      ? badge('signature valid', 'ok')
      : a.signature === 'unchecked'
        ? badge('signature not checked', 'neutral')
        : badge(`signature ${a.signature ?? 'absent'}`, 'bad');
  const what = `${a.final ? 'final head' : 'latest head'} at event ${a.seq}, signed ${a.signedAt ?? ''} by key ${a.keyId ?? '(none)'}, kept in ${a.source}`;
  return `<p>${signature} ${escapeHtml(what)}: <span class="mono">${escapeHtml(a.hash)}</span></p>`;
}

/** The report as a standalone HTML document. */
export function renderReportHtml(r: RunReport): string {
  const v = r.verification;
  const integrity = v.ok
    ? `<p>${badge('chain verified', 'ok')} ${v.events} events; head hash <span class="mono">${escapeHtml(v.headHash)}</span></p>${anchor(v)}`
    : `<p>${badge(v.firstBad?.problem === 'rewritten' ? 'rewritten consistently' : 'chain broken', 'bad')} ${escapeHtml(v.firstBad?.message ?? 'the timeline does not verify')}</p>${anchor(v)}`;
  const drill = drillSections(r);
  const sections = [
    ['Run', summary(r)],
    ...drill.before,
    ['Recovery time objective', recovery(r)],
    ...drill.objectives,
    [
      'Parameters',
      table(
        ['Name', 'Value'],
        r.parameters.map((p) => [td(p.name, 'mono'), p.redacted ? raw('<span class="muted">(redacted)</span>') : td(p.value, 'mono')]),
        'No parameters.',
      ),
    ],
    ['Steps: planned against actual', steps(r)],
    [
      'Skipped and simulated steps',
      table(
        ['Step', 'Status', 'Reason'],
        r.skipped.map((s) => [td(s.stepId), td(s.status), td(s.reason)]),
        'No step was skipped or simulated.',
      ),
    ],
    [
      'Approvals and sign-offs',
      table(
        ['When', 'Step', 'Kind', 'Who', 'Outcome', 'Comment'],
        r.signOffs.map((s) => [
          td(time(s.at), 't'),
          td(s.stepId ?? ''),
          td(s.kind),
          td(s.actor),
          td(s.outcome),
          raw(`${escapeHtml(s.comment ?? '')}${(s.evidence ?? []).map((e) => `<br><span class="mono">${escapeHtml(e)}</span>`).join('')}`),
        ]),
        'No approvals, sign-offs or decisions.',
      ),
    ],
    [
      'Notifications',
      table(
        ['When', 'Message', 'Step', 'Channel', 'To', 'Delivery'],
        r.notifications.map((n) => [
          td(time(n.at), 't'),
          td(n.event ?? ''),
          td(n.stepId ?? ''),
          td(n.channel ?? ''),
          td(n.target ?? ''),
          raw(n.sent ? badge(n.delivery, 'ok') : `${badge(n.delivery, 'bad')} ${escapeHtml(n.error ?? '')}`),
        ]),
        'No notifications were sent.',
      ),
    ],
    [
      'Failures and deviations',
      table(
        ['When', 'Event', 'Step', 'Attempt', 'Error or cause'],
        r.failures.map((f) => [td(time(f.at), 't'), td(f.type), td(f.stepId ?? ''), td(f.attempt ?? '', 'n'), td(f.error)]),
        'No failures and no deviations.',
      ),
    ],
    ...drill.after,
    ['Timeline integrity', integrity],
    ['Recovery time of recent drills', trend(r)],
    ...drill.end,
  ];
  const heading = `${r.mode === 'drill' ? 'Drill' : 'Recovery'} report: ${r.title ?? r.runbook.id}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${heading} (${r.runId})`)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeHtml(heading)}</h1>
<p>${badge(r.status, tone(r.status))} <span class="mono">${escapeHtml(r.runId)}</span> <span class="muted">— generated ${escapeHtml(time(r.generatedAt))}</span></p></header>
${sections.map(([title, body]) => `<section><h2>${escapeHtml(title)}</h2>${body}</section>`).join('\n')}
</body></html>
`;
}
