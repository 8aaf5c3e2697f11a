// The burst's clients, in a process of their own (bench/burst.ts starts it): a real burst comes from many clients,
// each with its own event loop and connection, not from the API's own process. It opens one kept-alive connection
// per request first (GET /livez on each), says `ready` on stdout and waits for a line on stdin, then sends every
// POST /runs at once over them (each with an Idempotency-Key of its own when `keys`, as automation that retries
// would), and prints one JSON line: each answer's latency, status, size and run id, the first error's body, and its
// own CPU time.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';

/** What bench/burst.ts asks for, in BENCH_BURST_ORDER. */
export const BurstOrder = z.object({ url: z.string(), token: z.string(), body: z.unknown(), n: z.int().positive(), keys: z.boolean() });
export type BurstOrder = z.infer<typeof BurstOrder>;
const Answer = z.object({ runId: z.string().optional() }).loose();

/** One request over `agent`; answers its status, body and latency in ms. */
function request(
  agent: http.Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string; ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        // The answer's size as sent: its headers (`name: value\r\n` each) and body.
        const head = res.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0);
        resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0, bytes: head + Buffer.byteLength(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET, tried again when the connection is reset while many open at once. */
async function warm(agent: http.Agent, url: URL): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await request(agent, url, 'GET', {});
      return;
    } catch (err) {
      if (tries >= 5) throw new Error(`warming up ${url.href}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function main(): Promise<void> {
  const order = BurstOrder.parse(JSON.parse(process.env.BENCH_BURST_ORDER ?? '{}'));
  const base = new URL(order.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: order.n, maxFreeSockets: order.n });
  // All at once, so the agent opens n sockets and keeps them for the burst.
  await Promise.all(Array.from({ length: order.n }, () => warm(agent, new URL('/livez', base))));
  const body = JSON.stringify(order.body);
  const headers = { authorization: `Bearer ${order.token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const keyed = Array.from({ length: order.n }, () => (order.keys ? { ...headers, 'idempotency-key': randomUUID() } : headers));
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const answers = await Promise.all(
    keyed.map((h) =>
      request(agent, new URL('/runs', base), 'POST', h, body).catch((err: unknown) => ({
        status: 0,
        text: JSON.stringify({ error: String(err) }),
        ms: performance.now() - t0,
        bytes: 0,
      })),
    ),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const out = answers.map((a) => {
    const parsed = Answer.safeParse(JSON.parse(a.text));
    return { ms: Math.round(a.ms), status: a.status, bytes: a.bytes, runId: parsed.success ? parsed.data.runId : undefined };
  });
  const firstError = answers.find((a) => a.status !== 201)?.text.slice(0, 500);
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), sockets: order.n, answers: out, firstError })}\n`);
}

if (require.main === module)
  main().catch((err: unknown) => {
    console.error(`burst-client: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
