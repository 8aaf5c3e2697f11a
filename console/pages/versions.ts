import type { VersionDiff, VersionHistory } from '../../catalog/service';
import { time } from '../format';
import { dataTable, html, type Html } from '../html';

// Lines of context kept around each change; longer unchanged stretches fold into one "n unchanged lines" row.
const CONTEXT = 3;

/** A runbook's versions, newest first, each with who uploaded it, its sensitive changes, and a link to its diff. */
export function versionList(h: VersionHistory, shown: number): Html {
  return html`<section aria-labelledby="versions-h">
    <h2 id="versions-h">Versions</h2>
    ${dataTable(
      'versions',
      ['Version', 'Uploaded', 'By', 'Sensitive changes', 'Changes'],
      h.versions.map(
        (v) =>
          html`<tr>
            <td data-label="Version">
              <a href="/console/runbooks/${encodeURIComponent(h.id)}?version=${String(v.version)}">v${v.version}</a
              >${v.version === shown ? html` <span class="muted">(shown)</span>` : ''}
              <div class="muted small"><code title="${v.hash}">${v.hash.slice(0, 12)}</code></div>
            </td>
            <td data-label="Uploaded">${time(v.createdAt)}</td>
            <td data-label="By">${v.uploadedBy ?? html`<span class="muted">not recorded</span>`}</td>
            <td data-label="Sensitive changes">
              ${v.changes.length ? v.changes.join(', ') : html`<span class="muted">none</span>`}${v.reviewNeeded ? (v.review ? html` · reviewed by ${v.review.by}` : html` · <strong>review needed</strong>`) : ''}
            </td>
            <td data-label="Changes">
              ${v.version > 1 ? html`<a href="/console/runbooks/${encodeURIComponent(h.id)}/diff?from=${String(v.version - 1)}&amp;to=${String(v.version)}">diff with v${v.version - 1}</a>` : html`<span class="muted">first version</span>`}
            </td>
          </tr>`,
      ),
    )}
  </section>`;
}

/** What changed between two versions, line by line; added and removed lines carry + and − as well as a colour. */
export function diffPage(d: VersionDiff, latest: number): Html {
  const rows: Html[] = [];
  const near = d.lines.map((_, i) => d.lines.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.op !== 'same'));
  for (let i = 0; i < d.lines.length; i++) {
    if (!near[i]) {
      let j = i;
      while (j < d.lines.length && !near[j]) j++;
      rows.push(
        html`<tr class="d-gap">
          <td class="ln"></td>
          <td class="ln"></td>
          <td>⋯ ${j - i} unchanged line${j - i === 1 ? '' : 's'}</td>
        </tr>`,
      );
      i = j - 1;
      continue;
    }
    const l = d.lines[i]!;
    const sign = l.op === 'added' ? '+' : l.op === 'removed' ? '−' : ' ';
    rows.push(
      html`<tr class="d-${l.op}">
        <td class="ln">${l.from === undefined ? '' : String(l.from)}</td>
        <td class="ln">${l.to === undefined ? '' : String(l.to)}</td>
        <td><span aria-label="${l.op}">${sign}</span> ${l.text}</td>
      </tr>`,
    );
  }
  const id = encodeURIComponent(d.id);
  return html`<h1>${d.id}: v${d.from} → v${d.to}</h1>
    <p>
      <strong>${d.added}</strong> line${d.added === 1 ? '' : 's'} added, <strong>${d.removed}</strong> removed.
      <a href="/console/runbooks/${id}?version=${String(d.to)}">v${d.to}</a> · <a href="/console/runbooks/${id}">the runbook</a>
    </p>
    <form method="get" action="/console/runbooks/${id}/diff" class="filters">
      <label>From <input name="from" inputmode="numeric" size="4" value="${String(d.from)}" /></label>
      <label>To <input name="to" inputmode="numeric" size="4" value="${String(d.to)}" /></label>
      <span class="muted small">versions 1 to ${String(latest)}</span>
      <button type="submit">Compare</button>
    </form>
    ${d.added + d.removed === 0 ? html`<p class="empty">The two versions' texts are the same.</p>` : dataTable('diff', [`v${d.from}`, `v${d.to}`, 'Line'], rows)}`;
}
