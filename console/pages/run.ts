import type { Principal } from '../../api/auth';
import { RUN_CONTROLS, STEP_CONTROLS } from '../../api/routes/control';
import { SIGNOFF_ACCESS } from '../../api/routes/signoff';
import { FINDINGS_ACCESS, FindingSeverity, FindingStatus, type Finding } from '../../report/finding';
import type { ReviewerSignOff } from '../../report/types';
import type { RunRecord, RunState, StepState, WaitingFor } from '../../contract/run';
import type { Plan } from '../../model/plan';
import type { Runbook } from '../../model/runbook';
import { gantt } from './gantt';
import type { StoredTimelineEvent } from '../../timeline/event';
import { duration, modeBadge, rtoClock, statusBadge, time } from '../format';
import { dataTable, html, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';
import { accessRefusal, approvalRefusal } from '../may';
import { progress } from './runs';

export interface RunView {
  plan?: Plan;
  record: RunRecord;
  state?: RunState;
  runbook?: Runbook;
  events: StoredTimelineEvent[];
  temporalUi?: string;
  /** A finished run's findings (absent while it runs). */
  findings?: Finding[];
  /** A finished run's sign-off: null when it has none yet (absent while it runs). */
  signOff?: ReviewerSignOff | null;
}

const stepAccess = (name: string) => STEP_CONTROLS.find((o) => o.name === name)?.access ?? 'admin';
// Run controls (pause, resume, abort) need the operator role, as the API's routes do.
const runAccess = (name: string) => (RUN_CONTROLS.some((o) => o.name === name) ? 'operator' : 'admin');

const runPath = (r: RunRecord) => `/console/runs/${encodeURIComponent(r.runId)}`;
const stepPath = (r: RunRecord, stepId: string, op: string) => `${runPath(r)}/steps/${encodeURIComponent(stepId)}/${op}`;

function header(v: RunView): Html {
  const r = v.record;
  const s = v.state;
  const status = s?.status ?? r.status;
  return html`<section class="run-header" data-live="header" aria-label="Run summary">
    <h1>${modeBadge(r.mode)} ${r.title ?? r.runbookId} ${statusBadge(status)}</h1>
    <dl class="facts">
      <div>
        <dt>Run</dt>
        <dd>${r.runId}</dd>
      </div>
      <div>
        <dt>Runbook</dt>
        <dd><a href="/console/runbooks/${encodeURIComponent(r.runbookId)}">${r.runbookId}</a> v${r.version} <code title="${r.hash}">${r.hash.slice(0, 12)}</code></dd>
      </div>
      <div>
        <dt>Started by</dt>
        <dd>${r.requester} <span class="muted">(${r.trigger.kind})</span></dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd>${time(r.startedAt)}</dd>
      </div>
      ${
        r.finishedAt
          ? html`<div>
              <dt>Finished</dt>
              <dd>${time(r.finishedAt)}</dd>
            </div>`
          : ''
      }
      <div>
        <dt>Progress</dt>
        <dd>${progress(s)}</dd>
      </div>
      <div>
        <dt>RTO</dt>
        <dd>${rtoClock(s?.recovery ?? r.recovery)}${s?.recovery?.endsAt ? html` <span class="muted">· ${duration(s.recovery.elapsedMs)} elapsed</span>` : ''}</dd>
      </div>
    </dl>
    ${(s?.error ?? r.error) ? html`<p class="error-text">${s?.error ?? r.error}</p>` : ''}
    <p class="links">
      <a href="${runPath(r)}/report">Report</a> ·
      <a href="/runs/${encodeURIComponent(r.runId)}/timeline" type="application/json">Timeline (JSON)</a
      >${v.temporalUi ? html` · <a href="${v.temporalUi}" rel="noopener">Temporal UI</a>` : ''}
    </p>
  </section>`;
}

function refusalNote(why: string | undefined): Html {
  return why ? html`<p class="why" role="note">${why}</p>` : html``;
}

function approvalForm(ctx: PageContext, v: RunView, w: WaitingFor, p: Principal): Html {
  const stepId = w.stepId!;
  const def = v.runbook?.steps.find((s) => s.id === stepId);
  const withs = def?.action === 'approval' ? def.with : undefined;
  const state = v.state?.steps.find((s) => s.id === stepId);
  const why = approvalRefusal(p, {
    approvers: withs?.approvers ?? w.from,
    allowSelfApproval: withs?.allowSelfApproval ?? false,
    requester: v.record.requester,
    decidedBy: (state?.approvals ?? []).map((a) => a.actor),
  });
  const approve = why.approve ?? accessRefusal(p, stepAccess('approve'));
  const reject = why.reject ?? accessRefusal(p, stepAccess('reject'));
  const decisions = state?.approvals ?? [];
  return html`${withs?.instructions ? html`<p class="instructions">${withs.instructions}</p>` : ''}
  ${
    decisions.length
      ? html`<ul class="decisions">
          ${decisions.map((d) => html`<li>${d.actor} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${time(d.at)}${d.comment ? html`: “${d.comment}”` : ''}</li>`)}
        </ul>`
      : ''
  }
  ${refusalNote(approve)}${reject && reject !== approve ? refusalNote(reject) : ''}
  ${
    approve && reject
      ? ''
      : html`<form method="post" class="act" data-confirm-reject="Reject step ${stepId}? The run will fail this step.">
          ${csrfField(ctx)}
          <label>Comment <textarea name="comment" rows="2" maxlength="2000"></textarea></label>
          <div class="buttons">
            ${approve ? '' : html`<button type="submit" formaction="${stepPath(v.record, stepId, 'approve')}" class="primary">Approve</button>`}
            ${reject ? '' : html`<button type="submit" formaction="${stepPath(v.record, stepId, 'reject')}" class="danger" data-confirm="Reject step ${stepId}?">Reject</button>`}
          </div>
        </form>`
  }`;
}

function manualForm(ctx: PageContext, v: RunView, w: WaitingFor, p: Principal): Html {
  const stepId = w.stepId!;
  const def = v.runbook?.steps.find((s) => s.id === stepId);
  const why = accessRefusal(p, stepAccess('complete'));
  return html`${def?.action === 'manual' ? html`<p class="instructions">${def.with.instructions}</p>` : ''}
  ${
    why
      ? refusalNote(why)
      : html`<form method="post" class="act" action="${stepPath(v.record, stepId, 'complete')}">
          ${csrfField(ctx)}
          <fieldset>
            <legend>Outcome</legend>
            <label class="inline"><input type="radio" name="outcome" value="done" checked /> done</label>
            <label class="inline"><input type="radio" name="outcome" value="failed" /> failed</label>
          </fieldset>
          <label>Note <textarea name="note" rows="2" maxlength="4000"></textarea></label>
          <label>Evidence links <span class="muted">(one URL a line)</span> <textarea name="evidence" rows="2"></textarea></label>
          <div class="buttons"><button type="submit" class="primary">Complete task</button></div>
        </form>`
  }`;
}

function decisionForm(ctx: PageContext, v: RunView, w: WaitingFor, p: Principal): Html {
  const why = accessRefusal(p, stepAccess('decide'));
  if (why) return refusalNote(why);
  return html`<form method="post" class="act" action="${stepPath(v.record, w.stepId!, 'decide')}" data-confirm="Send this decision for step ${w.stepId!}?">
    ${csrfField(ctx)}
    <label
      >Decision
      <select name="decision">
        <option value="retry">retry</option>
        <option value="skip">skip</option>
        <option value="abort">abort the run</option>
      </select></label
    >
    <label>Reason <input name="reason" maxlength="2000" /></label>
    <label class="inline"><input type="checkbox" name="fresh" /> retry as a fresh execution (new idempotency key)</label>
    <div class="buttons"><button type="submit">Decide</button></div>
  </form>`;
}

function waitingPanel(ctx: PageContext, v: RunView, p: Principal): Html {
  const waits = v.state?.waitingFor ?? [];
  const body = waits.length
    ? waits.map(
        (w) =>
          html`<article class="wait wait-${w.kind}" data-wait="${w.kind}" data-step="${w.stepId ?? ''}">
            <h3>
              ${w.kind === 'approval' ? 'Approval' : w.kind === 'manual' ? 'Manual task' : w.kind === 'decision' ? 'Decision' : 'Paused'}${w.stepId ? html` · <code>${w.stepId}</code>` : ''}
            </h3>
            <p>${w.message} <span class="muted">— from ${w.from.join(', ') || 'an operator'}, since ${time(w.since)}</span></p>
            ${w.kind === 'approval' ? approvalForm(ctx, v, w, p) : w.kind === 'manual' ? manualForm(ctx, v, w, p) : w.kind === 'decision' ? decisionForm(ctx, v, w, p) : ''}
          </article>`,
      )
    : html`<p class="muted">Nothing: the run needs no one right now.</p>`;
  return html`<section class="waiting" data-live="waiting" aria-labelledby="waiting-h">
    <h2 id="waiting-h">Waiting for</h2>
    ${body}
  </section>`;
}

function runControls(ctx: PageContext, v: RunView, p: Principal): Html {
  const s = v.state;
  if (!s || (s.status !== 'running' && s.status !== 'paused')) return html`<section class="controls-none" data-live="controls"></section>`;
  const why = accessRefusal(p, runAccess('abort'));
  if (why) return html`<section class="controls" data-live="controls" aria-label="Run controls">${refusalNote(`pause, resume and abort: ${why}`)}</section>`;
  const base = runPath(v.record);
  return html`<section class="controls" data-live="controls" aria-labelledby="controls-h">
    <h2 id="controls-h">Run controls</h2>
    ${
      s.status === 'paused'
        ? html`<form method="post" action="${base}/resume">${csrfField(ctx)}<button type="submit">Resume</button></form>`
        : html`<form method="post" action="${base}/pause">
            ${csrfField(ctx)}<label>Reason for pausing <input name="reason" maxlength="2000" /></label> <button type="submit">Pause</button>
          </form>`
    }
    <form method="post" action="${base}/abort" data-confirm="Abort run ${v.record.runId}?">
      ${csrfField(ctx)}
      <label>Reason for aborting <input name="reason" required maxlength="2000" /></label>
      <label class="inline"><input type="checkbox" name="rollback" /> roll back the steps that ran</label>
      <button type="submit" class="danger">Abort</button>
    </form>
  </section>`;
}

function stepActions(ctx: PageContext, v: RunView, step: StepState, p: Principal): Html {
  const live = v.state && (v.state.status === 'running' || v.state.status === 'paused');
  if (!live || accessRefusal(p, stepAccess('skip'))) return html``;
  const canRetry = step.status === 'failed';
  const canSkip = step.status === 'pending' || step.status === 'waiting' || step.status === 'running' || step.status === 'failed';
  if (!canRetry && !canSkip) return html``;
  return html`<details class="step-actions">
    <summary>Act on <span class="sr">${step.id}</span></summary>
    <form method="post" data-confirm="Change step ${step.id}?">
      ${csrfField(ctx)}
      <label>Reason <input name="reason" maxlength="2000" /></label>
      ${canSkip ? html`<button type="submit" formaction="${stepPath(v.record, step.id, 'skip')}">Skip</button>` : ''}
      ${canRetry ? html`<button type="submit" formaction="${stepPath(v.record, step.id, 'retry')}">Retry</button>` : ''}
    </form>
  </details>`;
}

function stepsTable(ctx: PageContext, v: RunView, p: Principal): Html {
  const steps = v.state?.steps ?? [];
  if (!steps.length)
    return html`<section data-live="steps">
      <h2>Steps</h2>
      <p class="muted">The live state is gone (history expired); see the timeline and the report.</p>
    </section>`;
  return html`<section data-live="steps" aria-labelledby="steps-h">
    <h2 id="steps-h">Steps</h2>
    ${gantt({ plan: v.plan, steps, startedAt: v.state?.startedAt ?? v.record.startedAt, now: Date.now() })}
    ${dataTable(
      'steps',
      ['Step', 'Status', 'Attempts', 'Started', 'Took / expected', 'Notes', html`<span class="sr">Actions</span>`],
      steps.map(
        (s) =>
          html`<tr data-step="${s.id}">
            <td data-label="Step">
              <strong>${s.title ?? s.id}</strong>
              <div class="muted small"><code>${s.id}</code> · ${s.action}</div>
            </td>
            <td data-label="Status">${statusBadge(s.status)}</td>
            <td data-label="Attempts">${s.attempts}${(s.execution ?? 1) > 1 ? html` <span class="muted">(execution ${s.execution ?? 1})</span>` : ''}</td>
            <td data-label="Started">${time(s.startedAt)}</td>
            <td data-label="Took / expected">${duration(s.actualMs)} / ${duration(s.expectedMs)}</td>
            <td data-label="Notes">${s.error ? html`<span class="error-text">${s.error}</span>` : ''}${s.reason ? html`<span>${s.reason}</span>` : ''}</td>
            <td>${stepActions(ctx, v, s, p)}</td>
          </tr>`,
      ),
    )}
  </section>`;
}

function eventText(e: StoredTimelineEvent): string {
  const d: object = e.detail ?? {};
  const bits = ['comment', 'note', 'reason', 'error', 'message'].map((k): unknown => Reflect.get(d, k)).filter((x): x is string => typeof x === 'string');
  return bits.join(' · ');
}

function timeline(v: RunView): Html {
  return html`<section data-live="timeline" aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <ol class="timeline">
      ${v.events.map(
        (e) =>
          html`<li>
            <span class="seq">#${e.seq}</span> ${time(e.at)}
            <strong>${e.type}</strong>${e.stepId ? html` <code>${e.stepId}</code>` : ''}${e.actor ? html` by ${e.actor}` : ''}${eventText(e) ? html` — ${eventText(e)}` : ''}
          </li>`,
      )}
    </ol>
  </section>`;
}

const STATUS_TEXT: Record<Finding['status'], string> = { open: 'open', done: 'done', 'accepted-risk': 'accepted risk' };

function findingsSection(ctx: PageContext, v: RunView, p: Principal): Html {
  const findings = v.findings;
  if (!findings) return html``;
  const base = `${runPath(v.record)}/findings`;
  const why = accessRefusal(p, FINDINGS_ACCESS);
  const statusForm = (f: Finding) =>
    why
      ? ''
      : html`<form method="post" class="act inline-form" action="${base}/${f.id}" aria-label="Change ${f.id}">
          ${csrfField(ctx)}
          <label
            >Status of ${f.id}
            <select name="status">
              ${FindingStatus.options.map((s) => html`<option value="${s}" ${s === f.status ? 'selected' : ''}>${STATUS_TEXT[s]}</option>`)}
            </select></label
          >
          <label>Note <input name="note" maxlength="2000" /></label>
          <button type="submit">Change</button>
        </form>`;
  const list = findings.length
    ? dataTable(
        'findings',
        ['Finding', 'Severity', 'Owner', 'Due', 'Status', 'Last changed', html`<span class="sr">Actions</span>`],
        findings.map(
          (f) =>
            html`<tr data-finding="${f.id}">
              <td data-label="Finding">
                <strong>${f.title}</strong> <span class="muted small"><code>${f.id}</code></span>
              </td>
              <td data-label="Severity">${f.severity}</td>
              <td data-label="Owner">${f.owner}</td>
              <td data-label="Due">${f.due}</td>
              <td data-label="Status" data-finding-status="${f.status}">${STATUS_TEXT[f.status]}</td>
              <td data-label="Last changed">${f.updatedBy} ${time(f.updatedAt)}${f.history.at(-1)?.note ? html`: “${f.history.at(-1)!.note!}”` : ''}</td>
              <td>${statusForm(f)}</td>
            </tr>`,
        ),
      )
    : html`<p class="muted">None recorded.</p>`;
  const add = why
    ? refusalNote(`recording findings: ${why}`)
    : html`<h3>Record a finding</h3>
        <form method="post" class="act" action="${base}" aria-label="Add a finding">
          ${csrfField(ctx)}
          <label>Title <input name="title" required maxlength="200" /></label>
          <label
            >Severity
            <select name="severity">
              ${FindingSeverity.options.map((s) => html`<option value="${s}" ${s === 'medium' ? 'selected' : ''}>${s}</option>`)}
            </select></label
          >
          <label>Owner <input name="owner" required maxlength="200" /></label>
          <label>Due <input name="due" type="date" required /></label>
          <label>Note <input name="note" maxlength="2000" /></label>
          <div class="buttons"><button type="submit" class="primary">Add finding</button></div>
        </form>`;
  return html`<section class="findings" aria-labelledby="findings-h">
    <h2 id="findings-h">Findings and corrective actions</h2>
    ${list} ${add}
  </section>`;
}

function signOffSection(ctx: PageContext, v: RunView, p: Principal): Html {
  if (v.signOff === undefined) return html``;
  const s = v.signOff;
  const why = accessRefusal(p, SIGNOFF_ACCESS);
  const body = s
    ? html`<dl class="facts signature">
          <div>
            <dt>Signed by</dt>
            <dd>${s.reviewer}</dd>
          </div>
          <div>
            <dt>At</dt>
            <dd>${time(s.at)}</dd>
          </div>
          <div>
            <dt>Comment</dt>
            <dd>${s.comment}</dd>
          </div>
          <div>
            <dt>Content hash</dt>
            <dd><code title="SHA-256 of the report's signed content">${s.contentHash}</code></dd>
          </div>
        </dl>
        ${s.changedAfterSignOff ? html`<p class="error-text" data-changed-after-signoff>Changed after sign-off: ${s.changed.join(', ')}</p>` : ''}`
    : why
      ? html`<p class="muted">Not signed off yet.</p>
          ${refusalNote(`signing off: ${why}`)}`
      : html`<p class="muted">Not signed off yet.</p>
          <form method="post" class="act" action="${runPath(v.record)}/signoff" aria-label="Sign off" data-confirm="Sign off this run's report? It is signed once.">
            ${csrfField(ctx)}
            <label>Comment <textarea name="comment" rows="2" required maxlength="4000"></textarea></label>
            <div class="buttons"><button type="submit" class="primary">Sign off</button></div>
          </form>`;
  return html`<section class="signoff" aria-labelledby="signoff-h">
    <h2 id="signoff-h">Sign-off</h2>
    ${body}
  </section>`;
}

/** A run's page: header, what it waits for with the actions the person may take, steps, controls and timeline. */
export function runPage(ctx: PageContext, v: RunView): Html {
  const p = ctx.principal!;
  return html`${header(v)}
    <div class="run-grid">${waitingPanel(ctx, v, p)} ${runControls(ctx, v, p)}</div>
    ${stepsTable(ctx, v, p)} ${findingsSection(ctx, v, p)} ${signOffSection(ctx, v, p)} ${timeline(v)}`;
}
