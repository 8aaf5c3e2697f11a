import { getRun } from '../../store/runs';
import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat();

describe('the end of a run', () => {
  it('is reported by the live state only once the final record and the whole timeline are stored', async () => {
    // Several fast runs at once, so finish() has timeline batches and the final record still to write when the last
    // step is done: a client polling the live state must never see the run ended before the store says so.
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => startRun(env.lb, { steps: [0, 1, 2].map((n) => ({ id: `s${n}`, action: 'http', with: { url: `${env.target.url}/run${i}/s${n}` } })) })),
    );
    await Promise.all(
      runs.map(async (run) => {
        const ended = await run.until('ended', (s) => s.status !== 'running', 60_000);
        expect(ended.status).toBe('completed');
        // Read at once, with no waiting: the record and the timeline are already final.
        const [record, events] = await Promise.all([getRun(env.lb.store.db, run.runId), run.events()]);
        expect(record?.status).toBe('completed');
        expect(events.at(-1)?.type).toBe('run.completed');
        expect(events.filter((e) => e.type === 'step.succeeded')).toHaveLength(3);
      }),
    );
  });
});
