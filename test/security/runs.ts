import type { Json } from '../harness/http';
import type { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

// What the four-eyes suites (four-eyes.test.ts, child-runs.test.ts) ask of a run over the API.

type Api = Awaited<ReturnType<typeof clientWith>>;

/** A step of a run as `GET /runs/:id` shows it. */
export const stepOf = (run: Json, id: string) => run.state?.steps.find((s: { id: string }) => s.id === id);

/** Waits, reading as `api`, until the run's step is there and `done` holds for it; answers the run. */
export const untilStep = (api: Api, runId: string, stepId: string, done: (step: Json) => boolean) =>
  waitFor(
    `step ${stepId} of ${runId}`,
    async () => (await api.get(`/runs/${runId}`)).body,
    (run) => Boolean(stepOf(run, stepId) && done(stepOf(run, stepId))),
  );

/** Waits, reading as `api`, until the run has ended; answers it. */
export const untilEnded = (api: Api, runId: string) =>
  waitFor(
    `run ${runId} to end`,
    async () => (await api.get(`/runs/${runId}`)).body,
    (run) => run.status !== undefined && run.status !== 'running',
  );

/** The answer is the four-eyes refusal: problem+json (403 unless said) naming the rule. */
export function refusedByFourEyes(res: { status: number; body: Json; headers: Headers }, status = 403): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ rule: 'four-eyes', detail: expect.stringContaining('four eyes') });
}
