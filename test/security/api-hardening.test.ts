import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createLogger } from '../../logging/logger';
import { connectStore, type Db } from '../../store/connection';
import { createToken } from '../../store/tokens';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startRun } from '../harness/runs';
import { tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';
import { apiWith, isProblem } from './api';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await lb?.stop();
});

const bearer = (url: string, token: string) => apiClient(url, { authorization: `Bearer ${token}` });

async function api(security: Parameters<typeof apiWith>[1], deps: Parameters<typeof apiWith>[2] = {}): Promise<string> {
  const { url, stop } = await apiWith(lb, security, deps);
  stops.push(stop);
  return url;
}

describe('rate limits on mutating routes', () => {
  it('answers 429 problem+json with Retry-After once a token spends its burst, and leaves other tokens and reads alone', async () => {
    const url = await api({ rateLimit: { perMinute: 1, burst: 3 } });
    const mallory = bearer(url, (await tokenWith(lb, ['viewer'])).token);
    const body = { id: 'x', title: 'X', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] };
    for (let i = 0; i < 3; i++) expect((await mallory.post('/runbooks/validate', body)).status).toBe(200);
    const limited = await mallory.post('/runbooks/validate', body);
    expect(isProblem(limited, 429)).toBe(true);
    expect(limited.body.type).toBe('urn:lifeboat:problem:rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await mallory.get('/runbooks')).status).toBe(200);
    const alice = bearer(url, (await tokenWith(lb, ['viewer'])).token);
    expect((await alice.post('/runbooks/validate', body)).status).toBe(200);
  });

  it('holds one limit for a token across two API processes on the same store', async () => {
    const limit = { perMinute: 1, burst: 3 }; // one window of 3 minutes
    const windowMs = (limit.burst / limit.perMinute) * 60_000;
    const urls = [await api({ rateLimit: limit }), await api({ rateLimit: limit })];
    const body = { id: 'x', title: 'X', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] };
    // Alternating between the two processes; a round that happens to cross a window's end is not counted.
    for (;;) {
      const { token } = await tokenWith(lb, ['viewer']);
      const window = Math.floor(Date.now() / windowMs);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await bearer(urls[i % 2]!, token).post('/runbooks/validate', body)).status);
      if (Math.floor(Date.now() / windowMs) !== window) continue;
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
      break;
    }
  });
});

describe('the rate-counter sweep', () => {
  // The store's rate_counters collection, with deleteMany (the sweep) held at a gate or failing, as a store
  // shutting down or failing would make it.
  function sweepFault(db: Db, fault: { gate?: Promise<void>; error?: Error }) {
    const settled: Array<Promise<unknown>> = [];
    const collection = (name: string) => {
      const c = db.collection(name);
      if (name !== 'rate_counters') return c;
      const deleteMany = async (...args: Parameters<typeof c.deleteMany>) => {
        await fault.gate;
        if (fault.error) throw fault.error;
        return c.deleteMany(...args);
      };
      return new Proxy(c, { get: (t, p) => (p === 'deleteMany' ? (...a: Parameters<typeof c.deleteMany>) => track(deleteMany(...a)) : bound(t, p)) });
    };
    const track = <T>(p: Promise<T>) => (settled.push(p.catch(() => undefined)), p);
    const faulty = new Proxy(db, { get: (t, p) => (p === 'collection' ? collection : bound(t, p)) });
    return { db: faulty, sweeps: settled };
  }
  const bound = (t: object, p: string | symbol): unknown => {
    const v: unknown = Reflect.get(t, p);
    return typeof v === 'function' ? v.bind(t) : v;
  };
  const logged = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }) };
  };
  const body = { id: 'x', title: 'X', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] };

  it('reports a failed sweep in the API log, not on the console', async () => {
    const warn = jest.spyOn(console, 'warn');
    try {
      const log = logged();
      const { db, sweeps } = sweepFault(lb.store.db, { error: new Error('the store refused the sweep') });
      const url = await api({}, { db, logger: log.logger });
      expect((await bearer(url, (await tokenWith(lb, ['viewer'])).token).post('/runbooks/validate', body)).status).toBe(200);
      await waitFor(
        'the sweep',
        async () => sweeps.length,
        (n) => n > 0,
      );
      await Promise.all(sweeps);
      await waitFor(
        'the log line',
        async () => log.lines.find((l) => l.includes('sweeping rate counters failed')),
        (l) => l !== undefined,
      );
      const line: unknown = JSON.parse(log.lines.find((l) => l.includes('sweeping rate counters failed'))!);
      expect(line).toMatchObject({ level: 'warn', err: { message: 'the store refused the sweep' } });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('stops with the server: a sweep that loses its store at shutdown logs no warning', async () => {
    const warn = jest.spyOn(console, 'warn');
    const store = await connectStore(process.env.MONGODB_URI!);
    try {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const log = logged();
      const { db, sweeps } = sweepFault(store.db, { gate });
      const { url, stop } = await apiWith(lb, {}, { db, logger: log.logger });
      expect((await bearer(url, (await tokenWith(lb, ['viewer'])).token).post('/runbooks/validate', body)).status).toBe(200);
      await waitFor(
        'the sweep to start',
        async () => sweeps.length,
        (n) => n > 0,
      );
      // The worst moment: the server and then the store close while the sweep is on its way to the store.
      await stop();
      await store.close();
      open();
      await Promise.all(sweeps);
      await new Promise((resolve) => setImmediate(resolve)); // the sweep's catch handler runs after its promise settles
      expect(log.lines.filter((l) => /"level":"(warn|error)"/.test(l))).toEqual([]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      await store.close();
    }
  });
});

describe('security headers', () => {
  it('sends CSP with frame-ancestors, nosniff, no referrer and no framing on JSON, HTML and error answers', async () => {
    for (const path of ['/health', '/docs', '/no-such-route']) {
      const res = await fetch(`${lb.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the request came over https through a proxy, or the public URL is https', async () => {
    const proxied = await fetch(`${lb.url}/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    const url = await api({ hsts: true });
    expect((await fetch(`${url}/health`)).headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });
});

describe('event stream caps', () => {
  it('refuses a token its third stream with 429 and anyone the API-wide fourth with 503, and frees a slot when a stream closes', async () => {
    const url = await api({ sse: { perToken: 2, total: 3 } });
    const run = await startRun(lb, { steps: [{ id: 'hold', action: 'wait', with: { duration: '10m' } }] });
    const open: AbortController[] = [];
    const stream = async (token: string) => {
      const aborter = new AbortController();
      const res = await fetch(`${url}/runs/${run.runId}/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(30_000)]),
      });
      if (res.status === 200) open.push(aborter);
      const body: unknown = res.status === 200 ? undefined : await res.json();
      return { status: res.status, headers: res.headers, body, close: () => aborter.abort() };
    };
    try {
      const a = (await tokenWith(lb, ['viewer'])).token;
      const b = (await tokenWith(lb, ['viewer'])).token;
      const first = await stream(a);
      expect(first.status).toBe(200);
      expect((await stream(a)).status).toBe(200);
      expect(isProblem(await stream(a), 429)).toBe(true);
      expect((await stream(b)).status).toBe(200);
      expect(isProblem(await stream((await tokenWith(lb, ['viewer'])).token), 503)).toBe(true);
      first.close();
      await waitFor(
        'a freed stream slot',
        () => stream(a),
        (s) => s.status === 200,
      );
    } finally {
      for (const aborter of open) aborter.abort();
      await run.handle.terminate('test over');
    }
  });
});

describe('GET /health', () => {
  it("says which component is down without echoing the driver's error", async () => {
    const store = await connectStore(process.env.MONGODB_URI!);
    await store.close();
    const driverSays = await store.db.command({ ping: 1 }).then(
      () => '',
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    expect(driverSays).not.toBe('');
    const written: string[] = [];
    const url = await api({}, { db: store.db, logger: createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } }) });
    const res = await apiClient(url).get('/health');
    expect(res.status).toBe(503);
    expect(res.body.mongodb).toEqual({ status: 'down', error: expect.stringContaining('MongoDB') });
    expect(JSON.stringify(res.body)).not.toContain(driverSays);
    expect(written.join('')).toContain(driverSays); // the operator finds it in the log
  });
});

describe('token expiry', () => {
  it('refuses an expired token with 401 naming its expiry', async () => {
    const name = `expired-${randomUUID().slice(0, 8)}`;
    const expiresAt = new Date(Date.now() - 1000).toISOString();
    const created = await createToken(lb.store.db, { name, roles: ['admin'], createdBy: 'test', expiresAt });
    const res = await bearer(lb.url, created!.token).get('/runbooks');
    expect(isProblem(res, 401)).toBe(true);
    expect(res.body.type).toBe('urn:lifeboat:problem:token-expired');
    expect(res.body.detail).toContain(`expired at ${expiresAt}`);
  });

  it('creates a token with an expiry through POST /tokens, which works until then and is listed with it', async () => {
    const admin = bearer(lb.url, lb.adminToken);
    const name = `expiring-${randomUUID().slice(0, 8)}`;
    const res = await admin.post('/tokens', { name, roles: ['viewer'], expiresIn: '30d' });
    expect(res.status).toBe(201);
    const inDays = (Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000;
    expect(inDays).toBeGreaterThan(29.9);
    expect(inDays).toBeLessThanOrEqual(30);
    expect((await bearer(lb.url, res.body.token).get('/runbooks')).status).toBe(200);
    const listed = (await admin.get('/tokens')).body.tokens.find((t: { name: string }) => t.name === name);
    expect(listed.expiresAt).toBe(res.body.expiresAt);
    const bad = await admin.post('/tokens', { name: `${name}-bad`, roles: ['viewer'], expiresIn: '30y' });
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'body.expiresIn' })]);
  });
});

describe('malformed requests', () => {
  it('answers a path that is not valid percent-encoding with 400 problem+json, not 500 (found by fuzzing)', async () => {
    const written: string[] = [];
    const url = await api({}, { logger: createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } }) });
    const res = await bearer(url, lb.adminToken).get('/runs/%ZZ');
    expect(isProblem(res, 400)).toBe(true);
    expect(res.body.type).toBe('urn:lifeboat:problem:malformed-path');
    // Answered as the caller's mistake: a warn access line, no error logged.
    expect(written.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['warn']);
  });
});

describe('bodies of callers who may not send them', () => {
  /** Sends the head of a POST with a body of `declared` bytes and only `sent` of them; the status line answered, if any. */
  function partialPost(url: string, headers: Record<string, string>, declared: number, sent: number): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      let answer = '';
      socket.on('data', (c: Buffer) => {
        answer += c.toString('latin1');
        if (answer.includes('\r\n')) {
          resolve(answer.slice(0, answer.indexOf('\r\n')));
          socket.destroy();
        }
      });
      // Reading the body first would wait for the rest, which never comes: say so instead of hanging.
      const timer = setTimeout(() => socket.destroy(), 10_000);
      socket.on('error', reject);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(answer || '(no answer while the body was incomplete)');
      });
      const head = Object.entries({ ...headers, 'content-type': 'application/json', 'content-length': String(declared) })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`POST /runs HTTP/1.1\r\nhost: ${hostname}\r\n${head}\r\n${'{'.repeat(sent)}`);
    });
  }

  it('refuses an unauthenticated request before reading its body, so a stranger cannot make the API buffer a megabyte per connection', async () => {
    const url = await api({});
    // 1 MiB announced, 10 bytes sent: the refusal comes while the rest has not arrived (reading it first would wait for
    // it, or for the connection to time out).
    expect(await partialPost(url, {}, 1024 * 1024 - 1, 10)).toBe('HTTP/1.1 401 Unauthorized');
    expect(await partialPost(url, { authorization: 'Bearer lb_not_a_token' }, 1024 * 1024 - 1, 10)).toBe('HTTP/1.1 401 Unauthorized');
    // A body that is not JSON from a stranger is a 401 too: nothing of it was parsed.
    const res = await apiClient(url).post('/runs', '{"broken', { 'content-type': 'application/json' });
    expect(isProblem(res, 401)).toBe(true);
  });

  it('still reads, and refuses as before, the bodies of an authenticated caller', async () => {
    const url = await api({});
    const res = await bearer(url, lb.adminToken).post('/runs', '{"broken', { 'content-type': 'application/json' });
    expect(isProblem(res, 400)).toBe(true);
  });
});

describe('declaredAt', () => {
  it('refuses a disaster declared in the future, which would stretch the recovery clock', async () => {
    const runbook = await registerRunbook(lb, { steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] });
    const operator = bearer(lb.url, (await tokenWith(lb, ['operator'])).token);
    const declaredAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await operator.post('/runs', { runbook, mode: 'drill', declaredAt });
    expect(isProblem(res, 400)).toBe(true);
    expect(res.body.issues).toEqual([expect.objectContaining({ path: 'body.declaredAt', message: expect.stringContaining('in the future') })]);
  });
});
