import type { Client } from '@temporalio/client';
import { z } from 'zod';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import path from 'node:path';
import { expectedProblem, HttpError, parseOr400 } from '../api/errors';
import { RUN_CONTROLS, STEP_CONTROLS } from '../api/routes/control';
import { TRIGGER_ACCESS, TriggerRunBody } from '../api/routes/runs';
import { diffVersions, runbookDetail, runbookDetailAndPlan, runbookHistory, runbookSummaries } from '../catalog/service';
import { listRuns, RunListQuery } from '../runs/list';
import type { RunService } from '../runs/service';
import type { Runbook } from '../model/runbook';
import type { ScheduleService } from '../schedules/service';
import { findRuns } from '../store/runs';
import type { Db } from '../store/connection';
import { renderReportHtml } from '../report/html';
import { FINDINGS_ACCESS, FindingPatch, NewFinding } from '../report/finding';
import { addFinding, listFindings, updateFinding } from '../report/findings';
import { runReport, runSignOff, signOffRun } from '../report/service';
import { SignOffBody, SIGNOFF_ACCESS } from '../api/routes/signoff';
import { html } from './html';
import { page, type PageContext } from './layout';
import { accessRefusal } from './may';
import { runPage, type RunView } from './pages/run';
import { catalogPage, runbookPage, startForm, type CatalogRow } from './pages/runbooks';
import { runsPage, SINCE, type RunFilters, type RunRow } from './pages/runs';
import { schedulesPage } from './pages/schedules';
import { diffPage, versionList } from './pages/versions';
import { planGantt } from './pages/gantt';
import { rtoTrend } from './pages/trend';
import { interstitialPage, signInPage } from './pages/signin';
import { checkForgery, readSession, safeNext, signIn, signOut } from './session';
import { formBody, type Form } from './forms';

export interface ConsoleDeps {
  client: Client;
  db: Db;
  runs: RunService;
  adminToken?: string;
  /** Scheduled drills (the same service as /schedules); without it the console has no schedules page. */
  schedules?: ScheduleService;
  /** Temporal's web UI (LIFEBOAT_TEMPORAL_UI_URL, or the embedded default's): a run's page links to its workflow there. */
  temporalUi?: { url: string; namespace: string };
}

/** How many drills of a runbook its page's recovery-time trend shows. */
const TREND_DRILLS = 20;
const VersionParam = z.object({ version: z.coerce.number().int().positive().optional() });
const DiffParams = z.object({ from: z.coerce.number().int().positive().optional(), to: z.coerce.number().int().positive().optional() });

// Served from the source folder under jest and from dist/console/assets after `npm run build`.
const ASSETS = path.join(__dirname, 'assets');

// Pages load only this origin's files: no inline script or style, no CDN, no font service.
const POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// The same policy as the API's HTML report (api/routes/reports.ts).
// Pages say `same-origin` where the API says `no-referrer`: under no-referrer a browser sends `Origin: null` with a
// form's POST, and the CSRF check (an Origin or Referer of this console) could then tell no form apart.
const PAGE_HEADERS = { 'Content-Security-Policy': POLICY, 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' };
const LIVE_STATE_BUDGET_MS = 1500;
const REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const READ_ACCESS = 'viewer';

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * The web console: `/` (runs), `/runs/:id` for a browser (what notifications link to; API clients still get JSON),
 * and `/console/*`. Mounted before the API's body parsers: its forms are urlencoded. Handed out as a plain handler, not
 * a Router, so the OpenAPI document (built from the app's routers, api/route.ts) lists the API's operations only.
 */
export function consoleRouter(deps: ConsoleDeps): RequestHandler {
  const router = Router();
  const forms = express.urlencoded({ extended: false, limit: '64kb' });
  const session = readSession(deps);

  router.use('/console/assets', express.static(ASSETS, { index: false, fallthrough: false, maxAge: '1h' }));

  const get = (route: string, h: Handler, o: { negotiated?: boolean } = {}) =>
    router.get(route, (req, res, next) => {
      if (o.negotiated && !wantsHtml(req)) return next();
      res.set(PAGE_HEADERS);
      session(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (!req.principal) return void res.status(401).type('html').send(interstitialPage(req.originalUrl));
        // Reading needs the viewer role, as the API's GET operations do.
        const refusal = accessRefusal(req.principal, READ_ACCESS);
        if (refusal) return failed(req, res, next, new HttpError(403, 'forbidden', refusal));
        h(req, res).catch((e: unknown) => failed(req, res, next, e));
      });
    });

  const post = (route: string, h: (req: Request, res: Response, form: Form) => Promise<void>) =>
    router.post(route, forms, (req, res, next) => {
      res.set(PAGE_HEADERS);
      session(req, res, (err?: unknown) => {
        if (err) return next(err);
        const form = formBody(req.body);
        try {
          checkForgery(req, form);
          if (!req.principal) throw new HttpError(401, 'unauthenticated', 'your session has ended; sign in again');
        } catch (e) {
          return void failed(req, res, next, e);
        }
        h(req, res, form).catch((e: unknown) => failed(req, res, next, e));
      });
    });

  // Sign-in is the one form without a session: it checks the origin only.
  router.get('/console/signin', (req, res, next) => {
    res.set(PAGE_HEADERS);
    session(req, res, (err?: unknown) => {
      if (err) return next(err);
      const to = safeNext(req.query.next);
      if (req.principal) return void res.redirect(303, to);
      res.type('html').send(signInPage({ next: to }));
    });
  });
  router.post('/console/signin', forms, (req, res, next) => {
    res.set(PAGE_HEADERS);
    const form = formBody(req.body);
    const to = safeNext(form.next);
    (async () => {
      checkForgery(req, {});
      const token = typeof form.token === 'string' ? form.token.trim() : '';
      if (!token || !(await signIn(deps, req, res, token))) {
        res
          .status(401)
          .type('html')
          .send(signInPage({ next: to, error: 'That token is unknown or revoked. Paste an API token (lifeboat token create).' }));
        return;
      }
      res.redirect(303, to);
    })().catch((e: unknown) => failed(req, res, next, e));
  });
  post('/console/signout', async (req, res) => {
    await signOut(deps, req, res);
    res.redirect(303, '/console/signin');
  });

  const home: Handler = async (req, res) => {
    const ctx = context(req);
    const f = runFilters(req);
    const query = parseOr400(
      RunListQuery,
      { runbook: f.runbook, mode: f.mode, status: f.status, from: f.since ? new Date(Date.now() - SINCE[f.since]!).toISOString() : undefined, limit: '50' },
      'query',
    );
    // Running runs come first whatever their age, then the rest of the page newest first.
    const [page1, running, runbooks] = await Promise.all([
      listRuns(deps.db, query),
      f.status ? undefined : listRuns(deps.db, { ...query, status: 'running' }),
      runbookSummaries(deps.db),
    ]);
    const records = [...(running?.runs ?? []), ...page1.runs.filter((r) => r.status !== 'running' || !running)];
    const rows: RunRow[] = await Promise.all(records.map(async (record) => (record.status === 'running' ? { record, state: await liveState(record.runId) } : { record })));
    rows.sort((a, b) => Number(b.record.status === 'running') - Number(a.record.status === 'running'));
    res.type('html').send(page(ctx, { title: 'Runs', live: true, body: runsPage({ rows, filters: f, runbooks, more: page1.next !== null }) }));
  };
  // A running run's live state, within a budget: a query to a run whose worker is down waits for Temporal's own
  // timeout, and one such run must not hold the whole page. Past the budget the row shows what its record says.
  // Past the budget the query is aborted, not left retrying: a Temporal call still in its retry backoff when the
  // connection closes throws from its timer.
  const liveState = async (runId: string) => {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        deps.client.connection
          .withAbortSignal(abort.signal, () => deps.runs.get(runId))
          .then(
            (r) => r.state,
            () => undefined,
          ),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), LIVE_STATE_BUDGET_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  };
  get('/', home, { negotiated: true }); // an API client asking / for JSON gets the API's 404, not a sign-in page

  const run: Handler = async (req, res) => renderRun(req, res, 200);
  get('/runs/:id', run, { negotiated: true });
  get('/console/runs/:id', run);

  const renderRun = async (req: Request, res: Response, status: number, notice?: { kind: 'error' | 'ok'; text: string }) => {
    const id = String(req.params.id);
    const { record, state } = await deps.runs.get(id);
    const [events, found] = await Promise.all([deps.runs.timeline(id), runbookDetailAndPlan(deps.db, record.runbookId, record.mode, record.version).catch(() => undefined)]);
    const detail = found?.detail;
    const plan = found?.plan;
    const ui = deps.temporalUi;
    const temporalUi = ui ? `${ui.url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(record.runId)}` : undefined;
    // Findings and the sign-off belong to a finished run (GET /runs/:id/findings and /signoff, the same services).
    const finished = (state?.status ?? record.status) !== 'running' && (state?.status ?? record.status) !== 'paused';
    const [findings, signOff] = finished ? await Promise.all([listFindings(deps.db, id), runSignOff(deps, id).catch(unlessNotFound)]) : [];
    const view: RunView = { record, state, events, runbook: detail?.runbook, plan, temporalUi, findings, signOff: finished ? (signOff ?? null) : undefined };
    const done = typeof req.query.done === 'string' ? req.query.done : undefined;
    res
      .status(status)
      .type('html')
      .send(
        page(context(req), {
          title: `${record.mode === 'drill' ? 'DRILL · ' : ''}${record.runbookId}`,
          live: state ? state.status === 'running' || state.status === 'paused' : record.status === 'running',
          notice: notice ?? (done ? { kind: 'ok', text: `${done}: accepted` } : undefined),
          body: runPage(context(req), view),
        }),
      );
  };

  // An action the API refuses is shown on the run's page with the API's own message and status.
  const act = (send: (req: Request, form: Form) => Promise<unknown>, label: (req: Request) => string) => async (req: Request, res: Response, form: Form) => {
    try {
      await send(req, form);
    } catch (err) {
      const problem = expectedProblem(err);
      if (!problem || problem.status === 404) throw err;
      return renderRun(req, res, problem.status, { kind: 'error', text: problem.detail });
    }
    res.redirect(303, `/console/runs/${encodeURIComponent(String(req.params.id))}?done=${encodeURIComponent(label(req))}`);
  };

  post(
    '/console/runs/:id/steps/:stepId/:op',
    act(
      async (req, form) => {
        const op = STEP_CONTROLS.find((o) => o.name === req.params.op);
        if (!op) throw new HttpError(404, 'not-found', `no step action ${String(req.params.op)}`);
        const p = req.principal!;
        const refusal = accessRefusal(p, op.access);
        if (refusal) throw new HttpError(403, 'forbidden', refusal);
        const body = parseOr400(op.body, form.fields(op.name), 'form');
        await deps.runs.get(String(req.params.id)); // 404 for an unknown run before any update is sent
        await op.send(deps.runs, String(req.params.id), body, { stepId: String(req.params.stepId), actor: p.subject, roles: p.roles });
      },
      (req) => `${String(req.params.op)} ${String(req.params.stepId)}`,
    ),
  );
  // Findings and sign-off: the API's access levels and schemas, then the same services as POST/PATCH /runs/:id/findings
  // and POST /runs/:id/signoff, which decide the rest (who may change a finding, an independent reviewer, once).
  const refuseUnless = (req: Request, access: Parameters<typeof accessRefusal>[1]) => {
    const refusal = accessRefusal(req.principal!, access);
    if (refusal) throw new HttpError(403, 'forbidden', refusal);
  };
  post(
    '/console/runs/:id/findings',
    act(
      async (req, form) => {
        refuseUnless(req, FINDINGS_ACCESS);
        const body = parseOr400(NewFinding, filled(form, ['title', 'severity', 'owner', 'due', 'status', 'note']), 'form');
        await addFinding(deps.db, String(req.params.id), body, req.principal!.subject);
      },
      () => 'finding recorded',
    ),
  );
  post(
    '/console/runs/:id/findings/:fid',
    act(
      async (req, form) => {
        refuseUnless(req, FINDINGS_ACCESS);
        const body = parseOr400(FindingPatch, filled(form, ['status', 'note']), 'form');
        await updateFinding(deps.db, String(req.params.id), String(req.params.fid), body, req.principal!);
      },
      (req) => `finding ${String(req.params.fid)} changed`,
    ),
  );
  post(
    '/console/runs/:id/signoff',
    act(
      async (req, form) => {
        refuseUnless(req, SIGNOFF_ACCESS);
        const body = parseOr400(SignOffBody, filled(form, ['comment']), 'form');
        await signOffRun(deps, String(req.params.id), req.principal!.subject, body.comment);
      },
      () => 'report signed off',
    ),
  );
  post(
    '/console/runs/:id/:op',
    act(
      async (req, form) => {
        const op = RUN_CONTROLS.find((o) => o.name === req.params.op);
        if (!op) throw new HttpError(404, 'not-found', `no run action ${String(req.params.op)}`);
        const p = req.principal!;
        const refusal = accessRefusal(p, 'operator');
        if (refusal) throw new HttpError(403, 'forbidden', refusal);
        const body = parseOr400(op.body, form.fields(op.name), 'form');
        await op.send(deps.runs, String(req.params.id), body, { actor: p.subject, roles: p.roles });
      },
      (req) => String(req.params.op),
    ),
  );

  get('/console/runbooks', async (req, res) => {
    const summaries = await runbookSummaries(deps.db);
    const rows: CatalogRow[] = await Promise.all(
      summaries.map(async (summary) => {
        const [detail, drills] = await Promise.all([
          runbookDetail(deps.db, summary.id).catch(() => undefined),
          listRuns(deps.db, { runbook: summary.id, mode: 'drill', limit: 1 }),
        ]);
        return { summary, detail, lastDrill: drills.runs[0] };
      }),
    );
    res.type('html').send(page(context(req), { title: 'Runbooks', body: catalogPage(rows) }));
  });

  const showRunbook = async (req: Request, res: Response, status: number, o: { notice?: string; values?: Record<string, unknown>; mode?: string } = {}) => {
    const id = String(req.params.id);
    const { version } = parseOr400(VersionParam, { version: req.query.version }, 'query');
    const [{ detail: d, plan }, history, drills] = await Promise.all([
      runbookDetailAndPlan(deps.db, id, 'recovery', version),
      runbookHistory(deps.db, id),
      findRuns(deps.db, { runbookId: id, mode: 'drill' }, TREND_DRILLS),
    ]);
    const ctx = context(req);
    const form = startForm(ctx, d, { refusal: accessRefusal(ctx.principal!, TRIGGER_ACCESS), values: o.values, mode: o.mode });
    const titles = new Map(d.runbook.steps.map((s) => [s.id, s.title ?? s.id]));
    const body = runbookPage(ctx, d, form, { gantt: planGantt(plan, titles), trend: rtoTrend(drills), versions: versionList(history, d.version) });
    res
      .status(status)
      .type('html')
      .send(page(ctx, { title: d.title, notice: o.notice ? { kind: 'error', text: o.notice } : undefined, body }));
  };
  get('/console/runbooks/:id', (req, res) => showRunbook(req, res, 200));
  get('/console/runbooks/:id/diff', async (req, res) => {
    const id = String(req.params.id);
    const q = parseOr400(DiffParams, { from: req.query.from, to: req.query.to }, 'query');
    const latest = (await runbookHistory(deps.db, id, 1)).latest;
    const to = q.to ?? latest;
    const d = await diffVersions(deps.db, id, q.from ?? Math.max(1, to - 1), to);
    res.type('html').send(page(context(req), { title: `${id} v${d.from} → v${d.to}`, body: diffPage(d, latest) }));
  });

  const schedules = deps.schedules;
  if (schedules) {
    const SCHEDULE_ACCESS = 'admin';
    const showSchedules = async (req: Request, res: Response, status: number, notice?: { kind: 'error' | 'ok'; text: string }) => {
      const ctx = context(req);
      const list = await schedules.list();
      res
        .status(status)
        .type('html')
        .send(page(ctx, { title: 'Scheduled drills', notice, body: schedulesPage(ctx, list, accessRefusal(ctx.principal!, SCHEDULE_ACCESS)) }));
    };
    get('/console/schedules', (req, res) => showSchedules(req, res, 200));
    post('/console/schedules/:id/:op', async (req, res, form) => {
      const id = String(req.params.id);
      const op = String(req.params.op);
      const p = req.principal!;
      const refusal = accessRefusal(p, SCHEDULE_ACCESS);
      const note = typeof form.raw.note === 'string' && form.raw.note.trim() !== '' ? form.raw.note.trim().slice(0, 1000) : undefined;
      try {
        if (refusal) throw new HttpError(403, 'forbidden', refusal);
        if (op === 'pause') await schedules.pause(id, note ?? `paused by ${p.subject}`);
        else if (op === 'resume') await schedules.resume(id, note ?? `resumed by ${p.subject}`);
        else if (op === 'trigger') await schedules.trigger(id);
        else throw new HttpError(404, 'not-found', `no schedule action ${op}; use pause, resume or trigger`);
      } catch (err) {
        const problem = expectedProblem(err);
        if (!problem) throw err;
        return showSchedules(req, res, problem.status, { kind: 'error', text: problem.detail });
      }
      const done = op === 'trigger' ? `a drill of ${id} is starting (it appears under Recent drills)` : `${id}: ${op}d`;
      await showSchedules(req, res, 200, { kind: 'ok', text: done });
    });
  }

  post('/console/runs', async (req, res, form) => {
    const p = req.principal!;
    const id = form.raw.runbook ?? '';
    req.params.id = id;
    const version = form.raw.version ? Number(form.raw.version) : undefined;
    const declared = (await runbookDetail(deps.db, id, version)).runbook.parameters;
    const parameters = startParameters(form.raw, declared);
    try {
      const refusal = accessRefusal(p, TRIGGER_ACCESS);
      if (refusal) throw new HttpError(403, 'forbidden', refusal);
      const body = parseOr400(TriggerRunBody, { runbook: id, mode: form.raw.mode, version, parameters }, 'form');
      const started = await deps.runs.trigger(body, p.subject, { kind: 'api', by: p.subject });
      res.redirect(303, `/console/runs/${encodeURIComponent(started.runId)}`);
    } catch (err) {
      const problem = expectedProblem(err);
      if (!problem || !id) throw err;
      await showRunbook(req, res, problem.status, { notice: problem.detail, values: parameters, mode: form.raw.mode });
    }
  });

  get('/console/runs/:id/report', async (req, res) => {
    const report = await runReport(deps, String(req.params.id));
    // The printable report is self-contained (inline CSS, no script), so it carries its own policy.
    res.set('Content-Security-Policy', REPORT_POLICY).type('html').send(renderReportHtml(report));
  });

  return (req, res, next) => router(req, res, next);

  function failed(req: Request, res: Response, next: NextFunction, err: unknown): void {
    const problem = expectedProblem(err);
    if (!problem) return next(err);
    res
      .status(problem.status)
      .type('html')
      .send(page(context(req), { title: 'Refused', notice: { kind: 'error', text: problem.detail }, body: html`<p><a href="/">Back to the runs</a></p>` }));
  }
}

// Form fields `p.<name>` are the run's parameters, typed as the runbook declares them; a number field that does not
// read as a number stays text, so the service's validation names it. Empty fields are left out so defaults apply.
function startParameters(raw: Readonly<Record<string, string>>, declared: Runbook['parameters'] = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!k.startsWith('p.') || v === '') continue;
    const name = k.slice(2);
    const type = declared[name]?.type;
    out[name] = type === 'boolean' ? v === 'true' : type === 'number' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** The named form fields that are not blank, trimmed: the API's schema then validates them. */
function filled(form: Form, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((k) => (form.raw[k]?.trim() ? [[k, form.raw[k].trim()]] : [])));
}

function unlessNotFound(err: unknown): undefined {
  if (expectedProblem(err)?.status === 404) return undefined;
  throw err;
}

function context(req: Request): PageContext {
  return { principal: req.principal, csrf: req.visit?.csrf };
}

function runFilters(req: Request): RunFilters {
  const pick = (k: string, allowed?: readonly string[]) => {
    const v = req.query[k];
    return typeof v === 'string' && v !== '' && (!allowed || allowed.includes(v)) ? v : undefined;
  };
  return {
    runbook: pick('runbook'),
    mode: pick('mode', ['drill', 'recovery']),
    status: pick('status', ['running', 'completed', 'failed', 'aborted']),
    since: pick('since', Object.keys(SINCE)),
  };
}

/** A browser asking for a page (not an API client asking for JSON): HTML preferred, and no bearer token. */
function wantsHtml(req: Request): boolean {
  return req.headers.authorization === undefined && req.accepts(['application/json', 'text/html']) === 'text/html';
}
