// Pure: the report's drill-evidence sections as HTML (scenario, criteria, RPO, participants, findings, open actions,
// programme, reviewer sign-off). Every value is escaped.
import type { Finding } from './finding';
import { badge, escapeHtml, ms, raw, table, td, time } from './html-parts';
import type { RunReport } from './types';

type Section = [title: string, body: string];

const VERDICT = { met: ['met', 'ok'], 'not-met': ['not met', 'bad'], 'not-evaluated': ['not evaluated', 'neutral'] } as const;

function findingsTable(findings: Finding[], empty: string, withRun = false): string {
  return table(
    [...(withRun ? ['Run'] : []), 'Finding', 'Severity', 'Owner', 'Due', 'Status', 'History'],
    findings.map((f) => [
      ...(withRun ? [td(f.runId, 'mono')] : []),
      td(`${f.id} — ${f.title}`),
      td(f.severity),
      td(f.owner),
      td(f.due, 't'),
      raw(badge(f.status, f.status === 'open' ? 'bad' : f.status === 'done' ? 'ok' : 'neutral')),
      raw(
        f.history
          .map(
            (h) =>
              `${escapeHtml(time(h.at))} ${escapeHtml(h.by)}: ${escapeHtml(
                Object.entries(h.set)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', '),
              )}${h.note ? ` — ${escapeHtml(h.note)}` : ''}`,
          )
          .join('<br>'),
      ),
    ]),
    empty,
  );
}

function rpo(r: RunReport): string {
  const { targetMs, achievedMs, marginMs, met, from, note } = r.rpo;
  const verdict = met === undefined ? badge(targetMs === undefined ? 'no RPO set' : 'not measured', 'neutral') : met ? badge('RPO met', 'ok') : badge('RPO missed', 'bad');
  const margin = marginMs === undefined ? '—' : `${marginMs < 0 ? '−' : ''}${ms(Math.abs(marginMs))}`;
  return `<table><tr><th>RPO target</th><th>Achieved</th><th>Margin</th><th>Verdict</th><th>Measured from</th></tr><tr>${td(ms(targetMs))}${td(ms(achievedMs))}${td(margin)}${raw(verdict)}${td(from ?? note ?? '')}</tr></table>${from && note ? `<p class="muted">${escapeHtml(note)}</p>` : ''}`;
}

function signOff(r: RunReport): string {
  const s = r.reviewerSignOff;
  if (!s) return `<p>${badge('not signed off', 'neutral')} No reviewer has signed this report.</p>`;
  const state = s.changedAfterSignOff ? `${badge('changed after sign-off', 'bad')} changed: ${escapeHtml(s.changed.join(', '))}` : badge('unchanged since sign-off', 'ok');
  return `<table><tr><th>Reviewer</th><td>${escapeHtml(s.reviewer)}</td></tr><tr><th>Signed</th><td>${escapeHtml(time(s.at))}</td></tr><tr><th>Comment</th><td>${escapeHtml(s.comment)}</td></tr><tr><th>Signed content hash</th><td class="mono">${escapeHtml(s.contentHash)}</td></tr><tr><th>Current content hash</th><td class="mono">${escapeHtml(s.currentHash)}</td></tr></table><p>${state}</p>`;
}

function programme(r: RunReport): string {
  const p = r.programme;
  const rows = [
    ['Cadence (drill.every)', p.every ?? 'not set'],
    ['Previous drill', p.previous ? `${p.previous.runId}, ${time(p.previous.startedAt)}, ${p.previous.status}` : 'none recorded'],
    ['Next drill due', p.nextDueAt ? time(p.nextDueAt) : '—'],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/** The drill sections, grouped by where they go in the report. */
export function drillSections(r: RunReport): { before: Section[]; objectives: Section[]; after: Section[]; end: Section[] } {
  return {
    before: [
      ['Scenario', r.scenario ? `<p>${escapeHtml(r.scenario)}</p>` : '<p class="muted">The runbook states no scenario.</p>'],
      [
        'Success criteria',
        table(
          ['Criterion', 'Verdict', 'Why'],
          r.criteria.map((c) => [td(c.statement), raw(badge(VERDICT[c.verdict][0], VERDICT[c.verdict][1])), td(c.reason)]),
          'The runbook states no success criteria.',
        ),
      ],
      [
        'Participants',
        table(
          ['Who', 'What they did'],
          r.participants.map((p) => [td(p.who), td(p.did.join('; '))]),
          'Nobody acted in this run.',
        ),
      ],
    ],
    objectives: [['Recovery point objective', rpo(r)]],
    after: [
      ['Findings and corrective actions', findingsTable(r.findings, 'No findings were recorded.')],
      ['Open actions from earlier drills', findingsTable(r.openActions, 'No corrective action of an earlier run of this runbook is open.', true)],
    ],
    end: [
      ['Drill programme', programme(r)],
      ['Reviewer sign-off', signOff(r)],
    ],
  };
}
