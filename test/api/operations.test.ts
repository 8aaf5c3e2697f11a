import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type ApiDeps } from '../../api/app';
import { createLogger } from '../../logging/logger';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';
import { connectStore } from '../../store/connection';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Lifeboat & { adminToken: string; taskQueue: string };
const servers: Server[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await lb?.stop();
});

/** A second API on the suite's servers, with `deps` changed: another store, public metrics… */
async function secondApi(deps: Partial<ApiDeps>): Promise<string> {
  const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer });
  const app = createApp({ client: lb.client, db: lb.store.db, namespace: 'default', runs, adminToken: lb.adminToken, ...deps });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('GET /health', () => {
  it('answers 200 without a token when Temporal and MongoDB are up', async () => {
    const res = await apiClient(lb.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'up', temporal: { status: 'up' }, mongodb: { status: 'up' } });
  });

  it('answers 503 naming MongoDB when its connection is down', async () => {
    const store = await connectStore(process.env.MONGODB_URI!);
    await store.close();
    const url = await secondApi({ db: store.db });
    const res = await apiClient(url).get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'down', temporal: { status: 'up' }, mongodb: { status: 'down', error: expect.any(String) } });
  });
});

describe('errors', () => {
  it('answers an unexpected failure with 500 problem+json, logged with context and without a stack trace', async () => {
    // A store that fails in a way nobody planned for (a closed or unreachable one is 503 store-unavailable instead).
    const broken = new Proxy(lb.store.db, {
      get: (target, prop, receiver) =>
        prop === 'collection'
          ? () => {
              throw new Error('the store handed back something unexpected');
            }
          : Reflect.get(target, prop, receiver),
    });
    const written: string[] = [];
    const url = await secondApi({ db: broken, logger: createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } }) });
    const res = await apiClient(url, { authorization: `Bearer ${lb.adminToken}` }).get('/runbooks');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toEqual({ type: 'urn:lifeboat:problem:internal', title: 'Internal Server Error', status: 500, detail: expect.any(String), instance: '/runbooks' });
    expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+ \(|\.ts:\d+/);
    const failed = written.map((l) => JSON.parse(l) as { msg: string; level: string; reqId?: string; err?: { message: string } }).find((l) => l.msg === 'GET /runbooks failed');
    expect(failed).toMatchObject({ level: 'error', reqId: res.headers.get('x-request-id'), err: { message: 'the store handed back something unexpected' } });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const res = await apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` }).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, detail: 'no route GET /no/such/route' });
  });
});

describe('GET /metrics', () => {
  it('needs a token unless LIFEBOAT_METRICS_PUBLIC is set', async () => {
    expect((await apiClient(lb.url).get('/metrics')).status).toBe(401);
    const url = await secondApi({ metricsPublic: true });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE lifeboat_runs_running gauge');
  });

  it('counts runs, step attempts and RTO breaches as they end, and times steps and recovery, in Prometheus text format', async () => {
    const runbook = await registerRunbook(lb, {
      id: 'metrics',
      objectives: { rto: '1s' }, // the 1.5 s wait breaches it
      steps: [{ id: 'pause', action: 'wait', with: { duration: '1500ms' } }],
    });
    const operator = await clientWith(lb, ['operator']);
    const { body: started } = await operator.post('/runs', { runbook, mode: 'drill' });
    await lb.client.workflow.getHandle(started.runId).result();
    const viewer = await clientWith(lb, ['viewer']);
    const res = await viewer.raw('GET', '/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = String(res.body);
    // The run's last timeline batch is written (and counted) before its workflow ends.
    expect(text).toContain(`lifeboat_rto_breaches_total{runbook="${runbook}",mode="drill"} 1`);
    expect(text).toContain('# TYPE lifeboat_runs_total counter');
    expect(text).toMatch(/^lifeboat_runs_total\{mode="drill",status="completed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^lifeboat_runs_total\{mode="recovery",status="aborted"\} \d+$/m);
    expect(text).toMatch(/^lifeboat_step_attempts_total\{action="wait",outcome="succeeded"\} [1-9]\d*$/m);
    expect(text).toMatch(/^lifeboat_runs_running\{mode="drill"\} \d+$/m);
    expect(text).toContain('# TYPE lifeboat_approvals_waiting gauge');
    expect(text).toMatch(/^lifeboat_step_duration_seconds_bucket\{le="5",action="wait",outcome="succeeded"\} [1-9]\d*$/m);
    expect(text).toMatch(/^lifeboat_recovery_seconds_count\{runbook="[^"]+",mode="drill"\} \d+$|^# TYPE lifeboat_recovery_seconds histogram$/m);
    expect(text).toMatch(/^lifeboat_build_info\{version="\d+\.\d+\.\d+",commit="[^"]+",node="v\d+\.\d+\.\d+"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  });

  it('counts the approvals running runs wait for, by runbook', async () => {
    const runbook = await registerRunbook(lb, { id: 'waiting', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] });
    const operator = await clientWith(lb, ['operator']);
    const viewer = await clientWith(lb, ['viewer']);
    const metrics = async () => String((await viewer.raw('GET', '/metrics')).body);
    const line = `lifeboat_approvals_waiting{runbook="${runbook}"} 2`;
    const runs = [await operator.post('/runs', { runbook, mode: 'drill' }), await operator.post('/runs', { runbook, mode: 'recovery' })];
    await waitFor('both approvals to be counted', metrics, (text) => text.includes(line));
    expect(await metrics()).toMatch(new RegExp(`^lifeboat_approval_oldest_waiting_seconds\\{runbook="${runbook}"\\} \\d`, 'm'));
    const dba = await clientWith(lb, ['dba']);
    expect((await dba.post(`/runs/${runs[0]!.body.runId}/steps/go/approve`, {})).status).toBe(200);
    await waitFor('the approved one to leave the gauge', metrics, (text) => text.includes(`lifeboat_approvals_waiting{runbook="${runbook}"} 1`));
    await operator.post(`/runs/${runs[1]!.body.runId}/abort`, { reason: 'test cleanup' });
    await waitFor('the aborted runs to leave the gauge', metrics, (text) => !text.includes(`lifeboat_approvals_waiting{runbook="${runbook}"}`));
  });
});
