// Pure: the small HTML pieces the report's pages are made of. Every value is escaped.
import { formatDuration } from '../model/duration';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `2026-11-24 04:14:26 UTC`: ISO-8601 without the milliseconds nobody reads on paper. */
export const time = (iso: string | undefined) => (iso === undefined ? '' : iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC'));
export const ms = (v: number | undefined) => (v === undefined ? '—' : formatDuration(v));
export const badge = (text: string, tone: 'ok' | 'bad' | 'neutral') => `<span class="badge ${tone}">${escapeHtml(text)}</span>`;
export const tone = (status: string): 'ok' | 'bad' | 'neutral' =>
  status === 'completed' || status === 'succeeded' ? 'ok' : status === 'failed' || status === 'aborted' ? 'bad' : 'neutral';

export function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}
export const td = (v: unknown, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(v)}</td>`;
export const raw = (html: string) => `<td>${html}</td>`;
