import { Router } from 'express';
import { EvidenceBundle } from '../../report/evidence';
import { runEvidence } from '../../report/service';
import type { RunService } from '../../runs/service';
import type { Db } from '../../store/connection';
import { addRoute } from '../route';
import { RunIdParams } from './runs';

/** GET /runs/:id/evidence: the file `lifeboat evidence export` writes (docs/evidence.md). */
export function evidenceRouter(deps: { runs: RunService; db: Db }): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/evidence',
      operationId: 'exportRunEvidence',
      tag: 'runs',
      access: 'viewer',
      summary: "The run's evidence for offline verification: events, signed heads from Temporal, public key, report",
      description:
        'The stored timeline events with their hashes, the timeline heads the worker signed (Ed25519) as Temporal keeps ' +
        'them, the public key and the report, in one document. `lifeboat evidence verify FILE` checks it offline; ' +
        'docs/evidence.md shows how to check it with standard tools.',
      params: RunIdParams,
      responses: { 200: { description: 'The evidence bundle.', schema: EvidenceBundle }, 404: { description: 'No such run.' } },
    },
    async ({ params, res }) => {
      res.json(await runEvidence(deps, params.id));
    },
  );

  return router;
}
