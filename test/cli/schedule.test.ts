import { ScheduleNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { main } from '../../cli/main';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let env: Record<string, string>;
const created: string[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  env = { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: lb.adminToken };
});
afterAll(async () => {
  await Promise.all(
    created.map((id) =>
      lb.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined),
    ),
  );
  await lb?.stop();
});

async function lifeboat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env });
  return { code, stdout, stderr };
}

describe('lifeboat schedule', () => {
  it('creates, shows, lists, pauses, resumes, triggers and deletes a scheduled drill', async () => {
    const runbook = await registerRunbook(lb, {
      id: 'cli-sched',
      parameters: { replicas: { type: 'number', default: 1 } },
      steps: [{ id: 'a', action: 'wait', with: { duration: '10ms' } }],
    });
    const id = `cli-${randomUUID().slice(0, 8)}`;
    created.push(id);

    const create = await lifeboat(
      'schedule',
      'create',
      id,
      '--runbook',
      runbook,
      '--cron',
      '0 3 * * MON',
      '--timezone',
      'UTC',
      '--param',
      'replicas=2',
      '--overlap',
      'skip',
      '--paused',
    );
    expect(create).toMatchObject({ code: 0, stderr: '' });
    expect(create.stdout).toMatch(new RegExp(`^created schedule ${id}: drills of ${runbook}; next \\S+T03:00:00.000Z \\(paused\\)\\n$`));
    expect((await lb.client.schedule.getHandle(id).describe()).action.args?.[0]).toMatchObject({ parameters: { replicas: 2 } });

    const show = await lifeboat('schedule', 'show', id);
    expect(show.stdout).toContain(`${id}: drills of ${runbook} (latest version) cron '0 3 * * MON' UTC; paused`);
    expect(show.stdout).toContain('overlap: skip; parameters: {"replicas":2}; drills started: 0');

    const listed = await waitFor(
      'the schedule to be listed',
      () => lifeboat('schedule', 'list'),
      (r) => r.stdout.includes(id),
    );
    expect(listed.stdout).toMatch(new RegExp(`${id} +${runbook} +cron '0 3 \\* \\* MON' UTC +paused`));

    expect((await lifeboat('schedule', 'resume', id)).stdout).toBe(`schedule ${id} is active\n`);
    expect((await lifeboat('schedule', 'pause', id, '--note', 'freeze')).stdout).toBe(`schedule ${id} is paused\n`);

    const trigger = await lifeboat('schedule', 'trigger', id);
    expect(trigger.code).toBe(0);
    const shown = await waitFor(
      'the triggered drill to complete',
      () => lifeboat('schedule', 'show', id, '--json'),
      (r) => JSON.parse(r.stdout).recentRuns[0]?.status === 'completed',
    );
    const runId: string = JSON.parse(shown.stdout).recentRuns[0].runId;
    expect((await lifeboat('status', runId)).stdout).toContain(`by schedule:${id}`);

    expect(await lifeboat('schedule', 'delete', id)).toMatchObject({ code: 0, stdout: `deleted schedule ${id}; drills it started go on\n` });
    await expect(lb.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const gone = await lifeboat('schedule', 'show', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('404');
  });

  it('reports an invalid cron expression at its field and exits 1', async () => {
    const runbook = await registerRunbook(lb, { id: 'cli-sched-bad', steps: [{ id: 'a', action: 'wait', with: { duration: '10ms' } }] });
    const id = `cli-${randomUUID().slice(0, 8)}`;
    created.push(id);
    const bad = await lifeboat('schedule', 'create', id, '--runbook', runbook, '--cron', '0 25 * * *');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400 the schedule's cron is invalid: Hour is not in range/);
  });

  it('exits 2 for usage errors', async () => {
    expect((await lifeboat('schedule')).code).toBe(2);
    expect((await lifeboat('schedule', 'explode', 'x')).code).toBe(2);
    expect((await lifeboat('schedule', 'create', 'x', '--runbook', 'r')).stderr).toContain('give --cron or --every');
    expect((await lifeboat('schedule', 'create', 'x', '--runbook', 'r', '--every', '1h', '--overlap', 'sometimes')).code).toBe(2);
  });
});
