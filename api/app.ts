import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { authenticate } from './auth';
import { RunMetrics } from '../runs/metrics';
import { bodyParsers } from './body';
import { notFoundHandler, problemHandler } from './errors';
import { methodNotAllowed } from './route';
import { controlRouter } from './routes/control';
import { docsRouter } from './routes/docs';
import { healthRouter, type LocalServer } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { RUNBOOK_SOURCE_ROUTES, runbooksRouter } from './routes/runbooks';
import { runsRouter } from './routes/runs';
import { tokensRouter } from './routes/tokens';
import { eventsRouter } from './routes/events';
import { reportsRouter } from './routes/reports';
import { evidenceRouter } from './routes/evidence';
import { findingsRouter } from './routes/findings';
import { signOffRouter } from './routes/signoff';
import { schedulesRouter } from './routes/schedules';
import { consoleRouter } from '../console/router';
import { ScheduleService } from '../schedules/service';
import { DEFAULT_SECURITY, rateLimit, securityHeaders, StreamLimiter, type ApiSecurity } from './security';

export interface ApiDeps {
  client: Client;
  db: Db;
  namespace: string;
  runs: RunService;
  adminToken?: string;
  /** LIFEBOAT_METRICS_PUBLIC: serve /metrics without a token. */
  metricsPublic?: boolean;
  /** The embedded default's supervised servers, shown by /health. */
  localServers?: () => LocalServer[];
  /** Rate and stream limits, the runbook review rule, HSTS (default: DEFAULT_SECURITY). */
  security?: ApiSecurity;
}

/** The HTTP API: thin routes over the services, problem+json for every error. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const security = deps.security ?? DEFAULT_SECURITY;
  app.use(securityHeaders(security)); // every answer carries them, a 405 included
  app.use(methodNotAllowed); // before auth and body parsing: an undeclared method is 405 whatever the token or body
  app.use(consoleRouter(deps)); // the web console (console/): its own sessions and urlencoded forms, before the JSON body parsers
  app.use(bodyParsers(RUNBOOK_SOURCE_ROUTES));
  app.use(healthRouter(deps)); // unauthenticated: load balancers and compose healthchecks probe it
  app.use(docsRouter()); // unauthenticated: GET /openapi.json and GET /docs
  const metrics = metricsRouter(new RunMetrics(deps), { public: deps.metricsPublic === true });
  if (deps.metricsPublic) app.use(metrics); // before authentication only when public
  app.use(authenticate(deps.db, deps.adminToken));
  app.use(rateLimit(security.rateLimit));
  if (!deps.metricsPublic) app.use(metrics);
  app.use(runsRouter(deps.runs, deps.db));
  app.use(controlRouter(deps.runs));
  app.use(runbooksRouter(deps.db, security.runbookReview));
  app.use(tokensRouter(deps.db));
  app.use(reportsRouter(deps));
  app.use(evidenceRouter(deps));
  app.use(findingsRouter(deps.db));
  app.use(signOffRouter(deps));
  app.use(eventsRouter(deps, { limiter: new StreamLimiter(security.sse) }));
  app.use(schedulesRouter(new ScheduleService({ client: deps.client, db: deps.db, taskQueue: deps.runs.taskQueue, signer: deps.runs.signer })));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
