import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { authenticate } from './auth';
import { processRegistry } from '../metrics/registry';
import { registerStoreGauges } from '../metrics/store';
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
import { programmeRouter } from './routes/programme';
import { registerProgrammeGauges } from '../metrics/programme';
import { schedulesRouter } from './routes/schedules';
import { schemaRouter } from './routes/schema';
import { consoleRouter } from '../console/router';
import { ScheduleService } from '../schedules/service';
import { DEFAULT_SECURITY, rateLimit, securityHeaders, StreamLimiter, type ApiSecurity } from './security';
import { silentLogger, type Logger } from '../logging/logger';
import { requestLogging } from './logging';
import { traceRequests } from './tracing';

export interface ApiDeps {
  client: Client;
  db: Db;
  namespace: string;
  runs: RunService;
  adminToken?: string;
  /** The process's metrics registry (the embedded default shares it with its worker); otherwise a new one. */
  metrics?: Registry;
  /** LIFEBOAT_METRICS_PUBLIC: serve /metrics without a token. */
  metricsPublic?: boolean;
  /** The embedded default's supervised servers, shown by /health. */
  localServers?: () => LocalServer[];
  /** LIFEBOAT_PUBLIC_URL: the `$id` of the served runbook JSON Schema. */
  publicUrl?: string;
  /** Rate and stream limits, the runbook review rule, HSTS (default: DEFAULT_SECURITY). */
  security?: ApiSecurity;
  /** Temporal's web UI, for the console's links to a run's workflow (LIFEBOAT_TEMPORAL_UI_URL). */
  temporalUiUrl?: string;
  /** Access log and route logs (default: none, for tests that do not look). */
  logger?: Logger;
  /** A SERVER span per request (tracing/start.ts is on). */
  tracing?: boolean;
}

/** The HTTP API: thin routes over the services, problem+json for every error. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const security = deps.security ?? DEFAULT_SECURITY;
  if (deps.tracing) app.use(traceRequests()); // first: everything after runs in the request's span
  app.use(requestLogging(deps.logger ?? silentLogger)); // then every answer, a 405 included, has its request id
  app.use(securityHeaders(security)); // every answer carries them, a 405 included
  app.use(methodNotAllowed); // before auth and body parsing: an undeclared method is 405 whatever the token or body
  const schedules = new ScheduleService({ client: deps.client, db: deps.db, taskQueue: deps.runs.taskQueue, signer: deps.runs.signer });
  const temporalUi = deps.temporalUiUrl ? { url: deps.temporalUiUrl, namespace: deps.namespace } : undefined;
  app.use(consoleRouter({ ...deps, schedules, temporalUi })); // the web console (console/): its own sessions and urlencoded forms, before the JSON body parsers
  app.use(healthRouter(deps)); // unauthenticated: load balancers and compose healthchecks probe it
  app.use(docsRouter()); // unauthenticated: GET /openapi.json and GET /docs
  app.use(schemaRouter({ publicUrl: deps.publicUrl })); // unauthenticated: editors fetch GET /schema/runbook.json
  const registry = deps.metrics ?? processRegistry();
  registerStoreGauges(registry, deps.db);
  registerProgrammeGauges(registry, deps.db);
  const metrics = metricsRouter(registry, { public: deps.metricsPublic === true });
  if (deps.metricsPublic) app.use(metrics); // before authentication only when public
  app.use(authenticate(deps.db, deps.adminToken));
  const limiter = rateLimit(deps.db, security.rateLimit, { logger: deps.logger });
  app.once('close', () => limiter.stop()); // api/listen.ts: the server closed
  app.use(limiter);
  // Bodies are read only for a caller who may send them: an unauthenticated or rate-limited request is refused
  // before its body (up to 1 MiB) is buffered, so anyone who can reach the port cannot make the API hold that much
  // per connection.
  app.use(bodyParsers(RUNBOOK_SOURCE_ROUTES));
  if (!deps.metricsPublic) app.use(metrics);
  app.use(runsRouter(deps.runs, deps.db));
  app.use(controlRouter(deps.runs));
  app.use(runbooksRouter(deps.db, security.runbookReview));
  app.use(tokensRouter(deps.db));
  app.use(reportsRouter(deps));
  app.use(evidenceRouter(deps));
  app.use(findingsRouter(deps.db));
  app.use(signOffRouter(deps));
  app.use(programmeRouter({ db: deps.db, schedules }));
  app.use(eventsRouter(deps, { limiter: new StreamLimiter(security.sse) }));
  app.use(schedulesRouter(schedules));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
