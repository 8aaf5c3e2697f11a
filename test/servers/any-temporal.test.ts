// Lifeboat on a Temporal it did not configure: a second dev server started without Lifeboat's search-attribute
// flags or dynamic config, as any cluster or Temporal Cloud namespace is before Lifeboat first meets it.
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../api/app';
import { listen } from '../../api/listen';
import { main as cli } from '../../cli/main';
import { SEARCH_ATTRIBUTE } from '../../contract/names';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';
import { freePort, type Started } from '../../servers/process';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { startPlainTemporal } from '../harness/plain-temporal';
import { makeCertificates, startMtlsProxy } from '../harness/tls-proxy';
import { registerRunbook } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

jest.setTimeout(120_000);

type TestLifeboat = Lifeboat & { taskQueue: string; adminToken: string };
const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-any-temporal-'));
const KEYWORD = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const NAMES = Object.values(SEARCH_ATTRIBUTE).map((k) => k.name);
let temporal: Started & { address: string };
let connection: Connection;
let lb: TestLifeboat; // the first Lifeboat on the plain server's `default` namespace
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  temporal = await startPlainTemporal(home);
  connection = await Connection.connect({ address: temporal.address });
  lb = await startTestLifeboat({ TEMPORAL_ADDRESS: temporal.address });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await lb?.stop();
  await connection?.close();
  await temporal?.stop();
});

const waitRunbook = { id: 'any-temporal', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] };

/** A namespace of its own on the plain server: no search attributes registered in it yet. */
async function freshNamespace(): Promise<string> {
  const namespace = `ns-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(86_400_000) });
  await waitFor(
    `namespace ${namespace} to be served`,
    () =>
      connection.workflowService.describeNamespace({ namespace }).then(
        () => true,
        () => false,
      ),
    (ok) => ok,
  );
  return namespace;
}

async function customAttributes(namespace: string) {
  return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
}

/** The HTTP API alone (no worker, so nothing registers search attributes) on `client`, admin token `token`. */
async function startApiOnly(client: Client, token: string) {
  const runs = new RunService({ client, db: lb.store.db, taskQueue: `api-only-${randomUUID()}`, signer: lb.signer });
  const server: http.Server = await listen(createApp({ client, db: lb.store.db, namespace: client.options.namespace, runs, adminToken: token }), 0, '127.0.0.1');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { authorization: `Bearer ${token}` });
}

async function setup(namespace: string) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: namespace },
  };
  const code = await cli(['setup'], io);
  return { code, stdout, stderr };
}

describe('a Temporal server Lifeboat did not configure', () => {
  it('runs a run triggered through the API to completion, listable by status', async () => {
    const operator = await clientWith(lb, ['operator']);
    const runbook = await registerRunbook(lb, waitRunbook);

    const started = await operator.post('/runs', { runbook, mode: 'drill' });
    expect(started.body).toMatchObject({ runbook, mode: 'drill' });
    expect(started.status).toBe(201);
    const runId: string = started.body.runId;

    await waitFor(
      `run ${runId} to complete`,
      () => operator.get(`/runs/${runId}`),
      (r) => r.body?.status === 'completed',
      30_000,
    );
    const listed = await operator.get(`/runs?runbook=${runbook}&status=completed`);
    expect(listed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);
    const query = `${SEARCH_ATTRIBUTE.runbookId.name} = '${runbook}' AND ${SEARCH_ATTRIBUTE.status.name} = 'completed'`;
    const visible = await waitFor(
      'the run in Temporal visibility by status',
      async () => {
        const ids: string[] = [];
        for await (const w of lb.client.workflow.list({ query })) ids.push(w.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
    );
    expect(visible).toEqual([runId]);
  });

  it('starts two workers at once on a namespace without the search attributes; both register and serve runs', async () => {
    const namespace = await freshNamespace();
    expect(Object.keys(await customAttributes(namespace)).filter((n) => NAMES.includes(n))).toEqual([]);
    const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: namespace };
    const both = await Promise.allSettled([startTestLifeboat(env), startTestLifeboat(env)]);
    for (const s of both) if (s.status === 'fulfilled') cleanups.push(() => s.value.stop());
    expect(both.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started']);
    const attrs = await customAttributes(namespace);
    expect(NAMES.map((n) => attrs[n])).toEqual([KEYWORD, KEYWORD, KEYWORD]);

    const second = (both[1] as PromiseFulfilledResult<TestLifeboat>).value;
    const operator = await clientWith(second, ['operator']);
    const runbook = await registerRunbook(second, waitRunbook);
    const started = await operator.post('/runs', { runbook, mode: 'recovery' });
    expect(started.status).toBe(201);
    await waitFor(
      'the run to complete',
      () => operator.get(`/runs/${started.body.runId}`),
      (r) => r.body?.status === 'completed',
      30_000,
    );
  });

  it('answers a trigger with a 503 naming the missing search attribute until `lifeboat setup` registers it', async () => {
    const namespace = await freshNamespace();
    const token = `test-admin-${randomUUID()}`;
    const api = await startApiOnly(new Client({ connection, namespace }), token);
    const runbook = await registerRunbook(lb, waitRunbook);

    const refused = await api.post('/runs', { runbook, mode: 'drill' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:lifeboat:problem:temporal-unavailable', status: 503 });
    expect(refused.body.detail).toMatch(/no mapping defined for search attribute Lifeboat(RunbookId|Mode|Status)/);
    expect(refused.body.detail).toContain("run 'lifeboat setup'");

    const first = await setup(namespace);
    expect(first).toEqual({
      code: 0,
      stderr: '',
      stdout: `${NAMES.map((n) => `search attribute ${n}: registered in namespace ${namespace}\n`).join('')}namespace ${namespace} on ${temporal.address} is ready for Lifeboat\n`,
    });
    const again = await setup(namespace);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `${NAMES.map((n) => `search attribute ${n}: already registered in namespace ${namespace}\n`).join('')}namespace ${namespace} on ${temporal.address} is ready for Lifeboat\n`,
    );

    const accepted = await api.post('/runs', { runbook, mode: 'drill' });
    expect(accepted.status).toBe(201);
  });

  it('stops a worker with one line naming the attribute and namespace when the attribute exists with another type', async () => {
    const namespace = await freshNamespace();
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [SEARCH_ATTRIBUTE.status.name]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT },
    });
    await waitFor(
      'the Text attribute to be listed',
      () => customAttributes(namespace),
      (a) => a[SEARCH_ATTRIBUTE.status.name] !== undefined,
    );
    const failed = await startTestLifeboat({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: namespace }).then(
      (started) => {
        cleanups.push(() => started.stop());
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(failed).toBe(
      `search attribute LifeboatStatus exists in namespace ${namespace} as Text, but Lifeboat needs Keyword: remove it or use another namespace (TEMPORAL_NAMESPACE)`,
    );
    const setupRun = await setup(namespace);
    expect(setupRun).toMatchObject({ code: 1, stdout: '', stderr: `lifeboat setup: ${failed}\n` });
  });

  it('answers a trigger with a 503 naming the cause when Temporal cannot be reached', async () => {
    const unreachable = await Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    cleanups.push(() => unreachable.close());
    const api = await startApiOnly(new Client({ connection: unreachable }), `test-admin-${randomUUID()}`);
    const runbook = await registerRunbook(lb, waitRunbook);
    const t0 = Date.now();
    const refused = await api.post('/runs', { runbook, mode: 'drill' });
    console.log(`an unreachable Temporal was answered 503 after ${Date.now() - t0} ms`);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ type: 'urn:lifeboat:problem:temporal-unavailable', status: 503 });
    expect(refused.body.detail).toMatch(/^Temporal cannot be reached \(/);
  });

  it('connects the worker, the API and `lifeboat setup` over mutual TLS with the TEMPORAL_TLS_* settings', async () => {
    const certs = makeCertificates(mkdtempSync(path.join(home, 'pki-')), 'temporal.test');
    const proxy = await startMtlsProxy({ upstream: temporal.address, ca: certs.ca, cert: certs.serverCert, key: certs.serverKey });
    cleanups.push(() => proxy.close());
    const tlsEnv = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.test' };

    // Without a client certificate the front refuses the handshake: the worker does not start.
    const withoutCert = await startTestLifeboat({ ...tlsEnv, TEMPORAL_NAMESPACE: await freshNamespace() }).then(
      (started) => {
        cleanups.push(() => started.stop());
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(withoutCert).not.toBe('started');
    let stderr = '';
    const setupWithoutCert = await cli(['setup'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: { ...process.env, ...tlsEnv },
    });
    expect({ code: setupWithoutCert, stderr }).toEqual({
      code: 3,
      stderr: expect.stringMatching(new RegExp(`^lifeboat setup: cannot reach Temporal at ${proxy.address}: [^\n]+\n$`)),
    });
    expect(proxy.admitted.count).toBe(0);

    const mtlsEnv = { ...tlsEnv, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey };
    const setupNamespace = await freshNamespace();
    const setupRun = await cli(['setup'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => process.stderr.write(s) },
      env: { ...process.env, ...mtlsEnv, TEMPORAL_NAMESPACE: setupNamespace },
    });
    expect(setupRun).toBe(0);
    expect(
      Object.keys(await customAttributes(setupNamespace))
        .filter((n) => NAMES.includes(n))
        .sort(),
    ).toEqual([...NAMES].sort());
    const viaSetup = proxy.admitted.count;
    expect(viaSetup).toBeGreaterThan(0);

    const secure = await startTestLifeboat({ ...mtlsEnv, TEMPORAL_NAMESPACE: await freshNamespace() });
    cleanups.push(() => secure.stop());
    expect(proxy.admitted.count).toBeGreaterThan(viaSetup);
    const operator = await clientWith(secure, ['operator']);
    const runbook = await registerRunbook(secure, waitRunbook);
    const started = await operator.post('/runs', { runbook, mode: 'drill' });
    expect(started.status).toBe(201);
    await waitFor(
      'the run to complete over mTLS',
      () => operator.get(`/runs/${started.body.runId}`),
      (r) => r.body?.status === 'completed',
      30_000,
    );
  });
});
