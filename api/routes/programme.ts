import { Router } from 'express';
import { z } from 'zod';
import { RunbookId } from '../../model/runbook';
import { Programme } from '../../report/programme';
import { renderProgrammeHtml } from '../../report/programme-html';
import { readProgramme } from '../../report/programme-service';
import type { ScheduleService } from '../../schedules/service';
import type { Db } from '../../store/connection';
import { addRoute } from '../route';

// The HTML page runs no script and loads nothing, like the report: the policy says so to the browser too.
const HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const ProgrammeQuery = z.strictObject({
  runbook: RunbookId.optional().meta({ description: 'Only this runbook (404 when it is not registered).' }),
});

/** GET /programme: the drill programme of every runbook, JSON or printable HTML. */
export function programmeRouter(deps: { db: Db; schedules: ScheduleService }): Router {
  const router = Router();
  addRoute(
    router,
    {
      method: 'get',
      path: '/programme',
      operationId: 'getProgramme',
      tag: 'reports',
      access: 'viewer',
      summary: 'The drill programme: for every runbook its cadence and schedules, last drill, next due date, overdue flag and open corrective actions',
      description:
        'JSON by default; with `Accept: text/html`, a self-contained printable page (inline CSS, no scripts). ' +
        'The next drill is due by the cadence (`drill.every` after the last drill, or after the runbook was first registered) or at the next scheduled drill, whichever is earlier. ' +
        'A runbook is overdue once its cadence due date has passed with no drill started since (docs/reports-and-schedules.md).',
      query: ProgrammeQuery,
      responses: {
        200: { description: 'The programme (text/html when asked for).', schema: Programme },
        404: { description: 'The runbook named by `runbook` is not registered.' },
      },
    },
    async ({ query, req, res }) => {
      const programme = await readProgramme({ db: deps.db, upcoming: () => deps.schedules.upcoming() }, { runbooks: query.runbook === undefined ? undefined : [query.runbook] });
      res.vary('Accept');
      if (req.accepts(['application/json', 'text/html']) === 'text/html') {
        res.set('Content-Security-Policy', HTML_POLICY).type('html').send(renderProgrammeHtml(programme));
      } else {
        res.json(programme);
      }
    },
  );
  return router;
}
