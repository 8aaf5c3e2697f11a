import type { RunbookDetail, RunbookSummary } from '../../catalog/service';
import type { RunRecord } from '../../contract/run';
import type { Parameter } from '../../model/runbook';
import { duration, modeBadge, statusBadge, time } from '../format';
import { dataTable, html, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';

export interface CatalogRow {
  summary: RunbookSummary;
  detail?: RunbookDetail;
  lastDrill?: RunRecord;
}

/** The runbook catalog: owner, tags, RTO, the last drill and how it went. */
export function catalogPage(rows: CatalogRow[]): Html {
  return html`<h1>Runbooks</h1>
    ${
      rows.length === 0
        ? html`<p class="empty">No runbooks are registered. Upload one with <code>lifeboat runbook push</code> or <code>PUT /runbooks/:id</code>.</p>`
        : dataTable(
            'catalog',
            ['Runbook', 'Owner', 'Tags', 'RTO', 'Last drill'],
            rows.map(({ summary: s, detail: d, lastDrill: last }) => {
              const rb = d?.runbook;
              return html`<tr>
                <td data-label="Runbook">
                  <a href="/console/runbooks/${encodeURIComponent(s.id)}">${s.title}</a>
                  <div class="muted small"><code>${s.id}</code> v${s.latest}</div>
                </td>
                <td data-label="Owner">${rb?.owner ?? html`<span class="muted">—</span>`}</td>
                <td data-label="Tags">${(rb?.tags ?? []).map((t) => html`<span class="tag">${t}</span> `)}</td>
                <td data-label="RTO">${rb?.objectives?.rto ?? html`<span class="muted">none</span>`}</td>
                <td data-label="Last drill">
                  ${last ? html`<a href="/runs/${encodeURIComponent(last.runId)}">${statusBadge(last.status)}</a> ${time(last.startedAt)}${last.recovery?.breached ? html` <span class="rto-breached">RTO breached</span>` : ''}` : html`<span class="muted">never</span>`}
                </td>
              </tr>`;
            }),
          )
    }`;
}

function parameterInput(name: string, p: Parameter, value: unknown): Html {
  const id = `param-${name}`;
  const label = html`<label for="${id}">${name}${p.required ? html` <span class="req">(required)</span>` : ''} <span class="muted small">${p.type}</span></label>`;
  const help = p.description ? html`<p class="muted small">${p.description}</p>` : '';
  const field = `p.${name}`;
  const given = value === undefined ? p.default : value;
  switch (p.type) {
    case 'boolean':
      return html`<div class="field">
        <input type="hidden" name="${field}" value="false" /><label class="inline"
          ><input id="${id}" type="checkbox" name="${field}" value="true" ${given === true ? html` checked` : ''} /> ${name}</label
        >
        ${help}
      </div>`;
    case 'enum':
      return html`<div class="field">
        ${label}<select id="${id}" name="${field}">
          ${p.required && given === undefined ? html`<option value="">choose…</option>` : ''}${p.values.map((v) => html`<option${given === v ? html` selected` : ''}>${v}</option>`)}</select
        >${help}
      </div>`;
    case 'number':
      return html`<div class="field">
        ${label}<input id="${id}" name="${field}" inputmode="decimal" value="${given === undefined ? '' : String(given)}" ${p.required ? html` required` : ''} />${help}
      </div>`;
    case 'string':
      return html`<div class="field">
        ${label}<input id="${id}" name="${field}" value="${typeof given === 'string' ? given : ''}" ${p.required ? html` required` : ''} />${help}
      </div>`;
  }
}

/** The start form, generated from the runbook's typed parameters; the API's validation answers it. */
export function startForm(ctx: PageContext, d: RunbookDetail, o: { refusal?: string; values?: Record<string, unknown>; mode?: string }): Html {
  if (o.refusal)
    return html`<section class="start">
      <h2>Start a run</h2>
      <p class="why" role="note">${o.refusal}</p>
    </section>`;
  const params = Object.entries(d.runbook.parameters ?? {});
  return html`<section class="start" aria-labelledby="start-h">
    <h2 id="start-h">Start a drill or a recovery</h2>
    <form method="post" action="/console/runs" data-confirm-recovery="Start a RECOVERY of ${d.id}? Its steps will really change systems.">
      ${csrfField(ctx)}
      <input type="hidden" name="runbook" value="${d.id}" />
      <input type="hidden" name="version" value="${String(d.version)}" />
      <fieldset>
        <legend>Mode</legend>
        <label class="inline"
          ><input type="radio" name="mode" value="drill" ${o.mode !== 'recovery' ? html` checked` : ''} /> ${modeBadge('drill')} drill — state-changing steps are simulated</label
        >
        <label class="inline"
          ><input type="radio" name="mode" value="recovery" ${o.mode === 'recovery' ? html` checked` : ''} /> ${modeBadge('recovery')} recovery — for real</label
        >
      </fieldset>
      ${
        params.length
          ? html`<fieldset>
              <legend>Parameters</legend>
              ${params.map(([n, p]) => parameterInput(n, p, o.values?.[n]))}
            </fieldset>`
          : html`<p class="muted">This runbook takes no parameters.</p>`
      }
      <div class="buttons"><button type="submit" class="primary">Start</button></div>
    </form>
  </section>`;
}

/** A runbook's page: what it is, its plan against the RTO, its steps, and the start form. */
export function runbookPage(ctx: PageContext, d: RunbookDetail, start: Html, more: { gantt: Html; trend: Html; versions: Html }): Html {
  const rb = d.runbook;
  const plan = d.plan.drill;
  const recovery = d.plan.recovery;
  return html`<h1>${rb.title} <span class="muted">v${d.version}${d.latest !== d.version ? ` (latest v${d.latest})` : ''}</span></h1>
    <dl class="facts">
      <div>
        <dt>Id</dt>
        <dd><code>${d.id}</code> <code title="${d.hash}">${d.hash.slice(0, 12)}</code></dd>
      </div>
      <div>
        <dt>Owner</dt>
        <dd>${rb.owner ?? '—'}</dd>
      </div>
      <div>
        <dt>Tags</dt>
        <dd>${(rb.tags ?? []).map((t) => html`<span class="tag">${t}</span> `)}</dd>
      </div>
      <div>
        <dt>RTO</dt>
        <dd>${rb.objectives?.rto ?? 'none'}</dd>
      </div>
      <div>
        <dt>Predicted</dt>
        <dd>
          recovery ${duration(recovery.predictedMs)}${recovery.meetsRto === false ? html` <span class="rto-breached">over the RTO</span>` : ''} · drill
          ${duration(plan.predictedMs)}
        </dd>
      </div>
      <div>
        <dt>Critical path</dt>
        <dd>${recovery.criticalPath.join(' → ') || '—'}</dd>
      </div>
    </dl>
    ${rb.description ? html`<p>${rb.description}</p>` : ''} ${start}
    <section aria-labelledby="plan-h">
      <h2 id="plan-h">Recovery plan</h2>
      ${more.gantt}
    </section>
    <section aria-labelledby="trend-h">
      <h2 id="trend-h">Recovery time of recent drills</h2>
      ${more.trend}
    </section>
    <section aria-labelledby="steps-h">
      <h2 id="steps-h">Steps</h2>
      <ol class="plan-steps">
        ${rb.steps.map(
          (s) =>
            html`<li>
              <strong>${s.title ?? s.id}</strong> <span class="muted"><code>${s.id}</code> · ${s.action}${s.needs?.length ? ` · after ${s.needs.join(', ')}` : ''}</span>
            </li>`,
        )}
      </ol>
    </section>
    ${more.versions}`;
}
