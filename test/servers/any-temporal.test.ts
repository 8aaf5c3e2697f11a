// Lifeboat on a Temporal it did not configure: a second dev server started without Lifeboat's search-attribute
// flags or dynamic config, as any cluster or Temporal Cloud namespace is before Lifeboat first meets it.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTE } from '../../contract/names';
import type { Lifeboat } from '../../servers/lifeboat';
import type { Started } from '../../servers/process';
import { startTestLifeboat } from '../harness/lifeboat';
import { startPlainTemporal } from '../harness/plain-temporal';
import { registerRunbook } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

jest.setTimeout(120_000);

const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-any-temporal-'));
let temporal: Started & { address: string };
const lifeboats: Array<Lifeboat & { taskQueue: string; adminToken: string }> = [];

beforeAll(async () => {
  temporal = await startPlainTemporal(home);
});
afterAll(async () => {
  for (const lb of lifeboats) await lb.stop();
  await temporal?.stop();
});

const waitRunbook = { id: 'any-temporal', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] };

describe('a Temporal server Lifeboat did not configure', () => {
  it('runs a run triggered through the API to completion, listable by status', async () => {
    const lb = await startTestLifeboat({ TEMPORAL_ADDRESS: temporal.address });
    lifeboats.push(lb);
    const operator = await clientWith(lb, ['operator']);
    const runbook = await registerRunbook(lb, waitRunbook);

    const started = await operator.post('/runs', { runbook, mode: 'drill' });
    expect(started.body).toMatchObject({ runbook, mode: 'drill' });
    expect(started.status).toBe(201);
    const runId: string = started.body.runId;

    await waitFor(`run ${runId} to complete`, () => operator.get(`/runs/${runId}`), (r) => r.body?.status === 'completed', 30_000);
    const listed = await operator.get(`/runs?runbook=${runbook}&status=completed`);
    expect(listed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);
    const query = `${SEARCH_ATTRIBUTE.runbookId.name} = '${runbook}' AND ${SEARCH_ATTRIBUTE.status.name} = 'completed'`;
    const visible = await waitFor('the run in Temporal visibility by status', async () => {
      const ids: string[] = [];
      for await (const w of lb.client.workflow.list({ query })) ids.push(w.workflowId);
      return ids;
    }, (ids) => ids.length > 0);
    expect(visible).toEqual([runId]);
  });
});

