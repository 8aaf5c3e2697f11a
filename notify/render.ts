import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../model/duration';
import { actionLinks } from './actions';
import { MessageDetail } from './detail';
import type { MessageKind, NotificationMessage, RenderedNotification } from './message';

export type { RenderedNotification };

export interface RenderOptions {
  /** LIFEBOAT_PUBLIC_URL: where `/runs/<id>` links point; without it messages carry commands but no link. */
  publicUrl?: string;
}

/** One template file per kind of message; the run's end has three events but one message. */
const TEMPLATE_OF: Record<MessageKind, string> = {
  'run.started': 'run-started',
  'run.finished': 'run-finished',
  'run.completed': 'run-finished',
  'run.failed': 'run-finished',
  'step.failed': 'step-failed',
  'approval.requested': 'approval-requested',
  'approval.escalated': 'approval-escalated',
  'manual.assigned': 'manual-assigned',
  'decision.needed': 'decision-needed',
  'step.notify': 'step-notify',
  'drill.overdue': 'drill-overdue',
};

/** Renders a message with its kind's template: subject, plain text and HTML (escaped), and the chat paragraph. */
export function renderNotification(message: NotificationMessage, options: RenderOptions = {}): RenderedNotification {
  const view = viewOf(message, options);
  const t = templates().get(TEMPLATE_OF[message.event]);
  if (!t) throw new Error(`no notification template for ${message.event}`);
  const subject = oneLine(t.subject(view)).slice(0, 250);
  const text = tidy(`${t.text(view)}\n\n${layouts().footer(view)}`);
  const html = layouts().html({ ...view, subject, body: t.html(view).trim() });
  return { subject, text, html, chat: t.chat(view).trim() };
}

function viewOf(message: NotificationMessage, options: RenderOptions) {
  const detail = MessageDetail.parse(message.detail);
  // The programme's notice is about a runbook, not a drill run: no drill banner.
  const drill = message.mode === 'drill' && message.event !== 'drill.overdue';
  const stepLabel = message.stepId === undefined ? undefined : message.stepTitle ? `${message.stepTitle} (${message.stepId})` : message.stepId;
  return {
    tag: drill ? '[DRILL] ' : '',
    drill,
    event: message.event,
    runId: message.runId,
    runbook: { id: message.runbookId, title: message.runbookTitle },
    mode: message.mode,
    at: message.at,
    step: { id: message.stepId, title: message.stepTitle, label: stepLabel ?? '(no step)' },
    status: detail.status ?? (message.event === 'run.failed' ? 'failed' : message.event === 'run.completed' ? 'completed' : 'finished'),
    detail,
    links: actionLinks(message.event, message.runId, message.stepId, options.publicUrl),
  };
}

// One Handlebars environment of our own, so helpers registered here never leak into (or from) other users.
const hb = Handlebars.create();
hb.registerHelper('duration', (ms: unknown) => (typeof ms === 'number' ? formatDuration(ms) : ''));
hb.registerHelper('time', (iso: unknown) => {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? String(iso ?? '') : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
});
hb.registerHelper('join', (list: unknown) => (Array.isArray(list) ? list.map(String).join(', ') : ''));
hb.registerHelper('first', (list: unknown) => (Array.isArray(list) && list.length > 0 ? String(list[0]) : ''));
hb.registerHelper('json', (value: unknown) => JSON.stringify(value) ?? '');
hb.registerHelper('defined', (value: unknown) => value !== undefined && value !== null);
hb.registerHelper('hasKeys', (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).length > 0);
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

type Render = (view: object) => string;
type Template = { subject: Render; chat: Render; text: Render; html: Render };

const DIR = path.join(__dirname, 'templates');
const SECTION = /^\{\{!--\s*(subject|chat|text|html)\s*--\}\}[ \t]*\r?\n/gm;
// Only HTML is escaped: the subject, text and chat parts are plain text, where `&amp;` would be a visible mistake.
const plain = (source: string): Render => hb.compile(source, { noEscape: true });
const escaped = (source: string): Render => hb.compile(source);

let cache: Map<string, Template> | undefined;
let layoutCache: { html: Render; footer: Render } | undefined;

/** Every kind's template, read and compiled once; a missing section is an error naming the file. */
export function templates(): Map<string, Template> {
  if (cache) return cache;
  const out = new Map<string, Template>();
  for (const name of new Set(Object.values(TEMPLATE_OF))) {
    const file = path.join(DIR, `${name}.hbs`);
    const parts = new Map<string, string>();
    const pieces = readFileSync(file, 'utf8').split(SECTION);
    for (let i = 1; i + 1 < pieces.length; i += 2) parts.set(pieces[i] ?? '', pieces[i + 1] ?? '');
    const section = (s: string) => {
      const source = parts.get(s);
      if (source === undefined) throw new Error(`${file} has no {{!-- ${s} --}} section`);
      return source;
    };
    out.set(name, { subject: plain(section('subject')), chat: plain(section('chat')), text: plain(section('text')), html: escaped(section('html')) });
  }
  cache = out;
  return out;
}

function layouts(): { html: Render; footer: Render } {
  layoutCache ??= {
    html: escaped(readFileSync(path.join(DIR, '_layout.html.hbs'), 'utf8')),
    footer: plain(readFileSync(path.join(DIR, '_footer.text.hbs'), 'utf8')),
  };
  return layoutCache;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// Optional lines leave blank runs behind; one blank line between paragraphs is enough.
function tidy(text: string): string {
  return `${text.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
