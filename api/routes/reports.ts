import { Router } from 'express';
import { renderReportHtml } from '../../report/html';
import { runReport } from '../../report/service';
import { RunReport } from '../../report/types';
import type { RunService } from '../../runs/service';
import type { Db } from '../../store/connection';
import { addRoute } from '../route';
import { RunIdParams } from './runs';

// The HTML report runs no script and loads nothing: the policy says so to the browser too.
const HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** GET /runs/:id/report: the drill (or recovery) report, JSON or printable HTML. */
export function reportsRouter(deps: { runs: RunService; db: Db }): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/report',
      operationId: 'getRunReport',
      tag: 'runs',
      access: 'viewer',
      summary: "The run's report: RTO, steps planned against actual, sign-offs, notifications, failures, chain, trend",
      description:
        'JSON by default; with `Accept: text/html`, a self-contained printable page (inline CSS, no scripts). ' +
        'Parameters whose names look secret (secret, password, token, key…) are redacted; secrets are never resolved.',
      params: RunIdParams,
      responses: {
        200: { description: 'The report (text/html when asked for).', schema: RunReport },
        404: { description: 'No such run.' },
      },
    },
    async ({ params, req, res }) => {
      const report = await runReport(deps, params.id);
      res.vary('Accept');
      if (req.accepts(['application/json', 'text/html']) === 'text/html') {
        res.set('Content-Security-Policy', HTML_POLICY).type('html').send(renderReportHtml(report));
      } else {
        res.json(report);
      }
    },
  );

  return router;
}
