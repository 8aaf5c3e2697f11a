import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { notFoundHandler, problemHandler, requireJson } from './errors';
import { healthRouter } from './routes/health';
import { runsRouter } from './routes/runs';

export interface ApiDeps {
  client: Client;
  db: Db;
  namespace: string;
  runs: RunService;
}

/** The HTTP API: thin routes over the services, problem+json for every error. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requireJson);
  app.use(express.json({ limit: '1mb' }));
  app.use(healthRouter(deps));
  app.use(runsRouter(deps.runs));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
