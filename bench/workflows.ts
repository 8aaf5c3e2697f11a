// The bench's worker registers Lifeboat's workflow and these hand-written baselines side by side.
import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';

// Every workflow type Lifeboat registers (the worker's drill-programme schedule starts some of them), and the baselines.
export * from '../workflows';

const { httpRequest } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

/** The baseline: the same HTTP call as the runbook's steps, n times one after another, nothing else. */
export async function rawSequential(url: string, n: number): Promise<number> {
  for (let i = 0; i < n; i++) await httpRequest({ method: 'GET', url: `${url}/step/${i}`, timeoutMs: 60_000 });
  return n;
}

/** The baseline: n HTTP calls at once, at most 1,000 pending (Temporal refuses more than 2,000 in one workflow). */
export async function rawParallel(url: string, n: number): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < n) await httpRequest({ method: 'GET', url: `${url}/step/${next++}`, timeoutMs: 60_000 });
  };
  await Promise.all(Array.from({ length: Math.min(n, 1000) }, lane));
  return n;
}

export const rawApproveUpdate = defineUpdate<void>('approve');

/** The baseline of an approval: wait for an update, then make the next step's HTTP call. */
export async function rawApproval(url: string, path: string): Promise<void> {
  let approved = false;
  setHandler(rawApproveUpdate, () => {
    approved = true;
  });
  await condition(() => approved);
  await httpRequest({ method: 'GET', url: `${url}${path}`, timeoutMs: 60_000 });
}

/** The baseline of a trigger: a workflow that does nothing, so starting it is Temporal's part alone. */
export async function rawNoop(): Promise<void> {}
