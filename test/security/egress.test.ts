// The egress policy as a runbook author who wants the worker's cloud credentials would try it: the metadata address
// directly, a redirect to it, a name that resolves to a denied address, a redirect that would carry a secret to
// another origin, and answers too large or too slow to read whole.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { postJson } from '../../activities/post';
import { egressPolicy, sendOutbound } from '../../activities/egress';
import { ConfigError, loadConfig } from '../../config';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';

const SECRET = `ek-${randomUUID()}`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
async function serve(handler: Handler) {
  const calls: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    calls.push({ path: req.url ?? '/', headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let target: Awaited<ReturnType<typeof serve>>;
let landing: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  process.env.LIFEBOAT_SECRET_EGRESS_KEY = SECRET;
  landing = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"landed":true}'));
  target = await serve((req, res) => {
    const path = req.url ?? '/';
    if (path === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (path === '/elsewhere') return res.writeHead(307, { location: `http://localhost:${landing.port}/landing` }).end();
    if (path === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
    if (path === '/bomb') return res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(1_000_000)));
    if (path === '/stall') return res.writeHead(200, { 'content-type': 'text/plain' }).write('partial');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  lb = await startTestLifeboat({ LIFEBOAT_HTTP_MAX_BODY: '4096' });
});
afterAll(async () => {
  await lb?.stop();
  await target?.close();
  await landing?.close();
});

const oneStep = (w: Record<string, unknown>) => ({ steps: [{ id: 'call', action: 'http', timeout: '10s', with: w }] });

describe('the egress policy', () => {
  it('refuses the cloud metadata address before connecting, saying which rule', async () => {
    const run = await startRun(lb, oneStep({ url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }));
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({
      attempts: 1,
      error: expect.stringContaining('http://169.254.169.254 is refused by the egress policy: 169.254.169.254 is a cloud metadata address'),
    });
  });

  it('checks every redirect: one to the metadata address is refused', async () => {
    const run = await startRun(lb, oneStep({ url: `${target.url}/to-metadata` }));
    const final = await run.result();
    expect(final.steps[0]!.error).toContain('refused by the egress policy: 169.254.169.254 is a cloud metadata address');
  });

  it('drops a secret header when a redirect leaves the origin the runbook wrote', async () => {
    const run = await startRun(lb, oneStep({ url: `${target.url}/elsewhere`, headers: { 'X-Api-Key': '{{ secrets.EGRESS_KEY }}' } }));
    expect((await run.result()).status).toBe('completed');
    expect(target.calls.find((c) => c.path === '/elsewhere')?.headers['x-api-key']).toBe(SECRET);
    const landed = landing.calls.find((c) => c.path === '/landing');
    expect(landed).toBeDefined();
    expect(landed!.headers['x-api-key']).toBeUndefined();
  });

  it('stops reading an answer larger than LIFEBOAT_HTTP_MAX_BODY, compressed or not', async () => {
    for (const path of ['/big', '/bomb']) {
      const run = await startRun(lb, oneStep({ url: `${target.url}${path}` }));
      const final = await run.result();
      expect(final.steps[0]!.error).toContain("the answer's body is larger than 4096 bytes (LIFEBOAT_HTTP_MAX_BODY)");
    }
  });

  it('checks the addresses a name resolves to, not the name', async () => {
    const policy = egressPolicy({ LIFEBOAT_EGRESS_ALLOW: [], LIFEBOAT_EGRESS_DENY: [] });
    const o = { policy, signal: new AbortController().signal, maxBodyBytes: 1024, timeoutMs: 5_000, maxRedirects: 0 };
    await expect(sendOutbound({ method: 'GET', url: `http://localhost:${target.port}/`, headers: {} }, o)).rejects.toThrow(
      /refused by the egress policy: localhost resolves to (127\.0\.0\.1|::1) is a link-local, loopback/,
    );
    await expect(sendOutbound({ method: 'GET', url: `http://[::ffff:127.0.0.1]:${target.port}/`, headers: {} }, o)).rejects.toThrow(/refused by the egress policy/);
    expect(target.calls.filter((c) => c.path === '/').length).toBe(0);
  });

  it('lets LIFEBOAT_EGRESS_DENY win over LIFEBOAT_EGRESS_ALLOW, and opens a metadata address only when listed exactly', () => {
    const policy = egressPolicy({ LIFEBOAT_EGRESS_ALLOW: ['127.0.0.0/8', '169.254.0.0/16'], LIFEBOAT_EGRESS_DENY: ['127.0.0.2/32'] });
    expect(policy.denies('127.0.0.1')).toBeUndefined();
    expect(policy.denies('127.0.0.2')).toContain('LIFEBOAT_EGRESS_DENY');
    expect(policy.denies('169.254.1.1')).toBeUndefined();
    expect(policy.denies('169.254.169.254')).toContain('cloud metadata');
    expect(egressPolicy({ LIFEBOAT_EGRESS_ALLOW: ['169.254.169.254'], LIFEBOAT_EGRESS_DENY: [] }).denies('169.254.169.254')).toBeUndefined();
    expect(egressPolicy({ LIFEBOAT_EGRESS_ALLOW: [], LIFEBOAT_EGRESS_DENY: [] }).denies('fe80::1')).toContain('link-local');
  });

  it('refuses a CIDR it cannot read at start-up, naming the variable', () => {
    expect(() => loadConfig({ ...process.env, LIFEBOAT_EGRESS_ALLOW: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...process.env, LIFEBOAT_EGRESS_DENY: 'metadata' })).toThrow("LIFEBOAT_EGRESS_DENY: 'metadata' is not a CIDR");
  });

  it('ends a request whose answer stalls at LIFEBOAT_HTTP_TIMEOUT', async () => {
    const policy = egressPolicy({ LIFEBOAT_EGRESS_ALLOW: ['127.0.0.0/8'], LIFEBOAT_EGRESS_DENY: [] });
    const o = { policy, signal: new AbortController().signal, maxBodyBytes: 1024, timeoutMs: 300, maxRedirects: 0 };
    await expect(sendOutbound({ method: 'GET', url: `${target.url}/stall`, headers: {} }, o)).rejects.toThrow('no complete answer within 300 ms (LIFEBOAT_HTTP_TIMEOUT)');
  });

  it('applies to webhooks too', async () => {
    const policy = egressPolicy({ LIFEBOAT_EGRESS_ALLOW: [], LIFEBOAT_EGRESS_DENY: [] });
    const answer = await postJson({ url: 'http://169.254.169.254/hook', body: '{}', headers: {}, signal: new AbortController().signal }, policy);
    expect(answer).toEqual({ unreachable: expect.stringContaining('refused by the egress policy: 169.254.169.254 is a cloud metadata address') });
  });
});
