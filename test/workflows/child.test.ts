import { SEARCH_ATTRIBUTE } from '../../contract/names';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';
import { waitFor } from '../harness/wait';

const env = useLifeboat();

describe('sub-runbooks and search attributes', () => {
  it('runs a sub-runbook as a child workflow with its own timeline and parameters', async () => {
    const child = await registerRunbook(env.lb, {
      id: 'child',
      parameters: { service: { type: 'string', required: true } },
      steps: [{ id: 'restart', action: 'http', with: { method: 'POST', url: `${env.target.url}/restart/{{ params.service }}` } }],
    });
    const run = await startRun(
      env.lb,
      {
        steps: [
          { id: 'prep', action: 'http', with: { url: `${env.target.url}/prep` }, outputs: { region: 'body.region' } },
          { id: 'sub', action: 'runbook', needs: ['prep'], with: { runbook: child, parameters: { service: 'orders' } }, outputs: { childRun: 'runId', childStatus: 'status' } },
        ],
      },
      { mode: 'drill' },
    );
    const final = await run.result();
    expect(final.status).toBe('completed');
    const childRunId = `${run.runId}.sub.1`;
    expect(final.steps[1]!.outputs).toEqual({ childRun: childRunId, childStatus: 'completed' });
    expect(env.target.count('/restart/orders')).toBe(1);

    const childRecord = await run.service.get(childRunId);
    expect(childRecord.record).toMatchObject({ runbookId: child, mode: 'drill', trigger: { kind: 'parent', by: run.runId }, status: 'completed' });
    const childDescription = await env.lb.client.workflow.getHandle(childRunId).describe();
    expect(childDescription.raw.workflowExecutionInfo?.parentExecution?.workflowId).toBe(run.runId);
  });

  it('fails the parent step when the sub-runbook fails', async () => {
    const child = await registerRunbook(env.lb, { id: 'bad-child', steps: [{ id: 'boom', action: 'http', with: { url: 'http://127.0.0.1:1/unreachable' } }] });
    const run = await startRun(env.lb, { steps: [{ id: 'sub', action: 'runbook', with: { runbook: child } }] });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]!.error).toMatch(new RegExp(`sub-runbook ${child} \\(run .*\\) failed`));
  });

  it('tags runs with search attributes that temporal workflow list can filter on', async () => {
    const run = await startRun(env.lb, { steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] }, { mode: 'drill' });
    await run.result();
    const query = `${SEARCH_ATTRIBUTE.runbookId.name} = '${run.runbook}' AND ${SEARCH_ATTRIBUTE.mode.name} = 'drill' AND ${SEARCH_ATTRIBUTE.status.name} = 'completed'`;
    const found = await waitFor(
      'visibility to index the run',
      async () => {
        const ids: string[] = [];
        for await (const w of env.lb.client.workflow.list({ query })) ids.push(w.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
      20_000,
    );
    expect(found).toEqual([run.runId]);
  });
});
