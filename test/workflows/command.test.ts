import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';

// `command` steps: the process learns the step's idempotency key, and the step's timeout kills it.

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
beforeAll(async () => {
  lb = await startTestLifeboat({ LIFEBOAT_COMMAND_ALLOWLIST: 'node' });
});
afterAll(() => lb?.stop());

const node = (script: string) => ({ argv: [process.execPath, '-e', script] });

describe('command steps', () => {
  it('give the process the execution key of the step as LIFEBOAT_IDEMPOTENCY_KEY', async () => {
    const run = await startRun(lb, { steps: [{ id: 'script', action: 'command', with: node('process.stdout.write(process.env.LIFEBOAT_IDEMPOTENCY_KEY)'), outputs: { key: 'stdout' } }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps[0]!.outputs).toEqual({ key: `${run.runId}/script` });
  });

  it('kill the process at the step timeout and record a timed-out attempt', async () => {
    const run = await startRun(lb, { steps: [{ id: 'hang', action: 'command', with: node('setTimeout(() => {}, 60000)'), timeout: '2s' }] });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/timed out after 2s/) });
    expect((await run.events()).filter((e) => e.type === 'step.timed-out')).toHaveLength(1);
  });
});
