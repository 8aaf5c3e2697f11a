import { html, type Html } from './html';

/** A time the browser shows in the viewer's zone (console.js rewrites it), with UTC on hover and without script. */
export function time(iso: string | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  const utc = new Date(iso)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return html`<time datetime="${iso}" title="${utc}">${utc}</time>`;
}

/** A duration as people read it: 45 s, 3 min 20 s, 2 h 5 min. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const s = Math.round(Math.abs(ms) / 1000);
  const sign = ms < 0 ? '-' : '';
  if (s < 60) return `${sign}${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${sign}${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

// Status is told by a word and a symbol as well as a colour (WCAG 1.4.1).
const STATUS_SYMBOL: Record<string, string> = {
  running: '▶',
  waiting: '‖',
  paused: '‖',
  pending: '○',
  completed: '✔',
  succeeded: '✔',
  simulated: '◇',
  skipped: '↷',
  failed: '✖',
  aborted: '■',
  cancelled: '■',
};

/** A status badge: symbol, word and colour. */
export function statusBadge(status: string): Html {
  return html`<span class="status status-${status}" data-status="${status}"><span aria-hidden="true">${STATUS_SYMBOL[status] ?? '•'}</span> ${status}</span>`;
}

/** The mode badge: DRILL is loud on purpose, so nobody mistakes a drill for a recovery or the reverse. */
export function modeBadge(mode: 'drill' | 'recovery'): Html {
  return mode === 'drill' ? html`<span class="mode mode-drill">DRILL</span>` : html`<span class="mode mode-recovery">RECOVERY</span>`;
}

/** The recovery clock: remaining (live countdown) while running, achieved against the target once ended. */
export function rtoClock(r: { targetMs?: number; elapsedMs?: number; remainingMs?: number; achievedMs?: number; breached?: boolean; endsAt?: string } | undefined): Html {
  if (!r) return html`<span class="muted">no RTO</span>`;
  const target = r.targetMs === undefined ? 'no target' : `target ${duration(r.targetMs)}`;
  if (r.achievedMs !== undefined) {
    const verdict = r.targetMs === undefined ? '' : r.breached ? ' — BREACHED' : ' — met';
    return html`<span class="rto ${r.breached ? 'rto-breached' : 'rto-met'}">achieved ${duration(r.achievedMs)} (${target})${verdict}</span>`;
  }
  if (r.endsAt && r.targetMs !== undefined) {
    const late = r.breached || (r.remainingMs !== undefined && r.remainingMs < 0);
    return html`<span class="rto ${late ? 'rto-breached' : ''}" data-countdown="${r.endsAt}"
        >${late ? 'BREACHED by ' : ''}${duration(Math.abs(r.remainingMs ?? 0))}${late ? '' : ' left'}</span
      >
      <span class="muted">(${target})</span>`;
  }
  return html`<span class="rto">${r.elapsedMs === undefined ? '' : `${duration(r.elapsedMs)} elapsed`}</span> <span class="muted">(${target})</span>`;
}
