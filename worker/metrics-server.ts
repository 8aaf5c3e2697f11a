import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What the standalone worker's own HTTP endpoint answers from. */
export interface WorkerProbe {
  registry: Registry;
  /** The worker polls its task queue and the store answers. */
  ready(): Promise<{ ready: boolean; detail: Record<string, string> }>;
}

/**
 * The standalone worker's HTTP endpoint (LIFEBOAT_WORKER_METRICS_ADDRESS): GET /metrics (this process's runs and
 * steps, Prometheus text), GET /livez (the process answers) and GET /readyz (the worker runs and the store answers).
 * No token: bind it to an address only Prometheus and the orchestrator reach.
 */
export async function serveWorkerMetrics(address: string, probe: WorkerProbe): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'only GET\n');
    const answer = async () => {
      if (path === '/metrics') return send(200, probe.registry.contentType, await probe.registry.metrics());
      if (path === '/livez') return send(200, 'application/json', JSON.stringify({ status: 'up' }));
      if (path === '/readyz') {
        const { ready, detail } = await probe.ready();
        return send(ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'up' : 'down', ...detail }));
      }
      return send(404, 'text/plain', 'not found: GET /metrics, /livez or /readyz\n');
    };
    answer().catch((err: unknown) => send(503, 'text/plain', `${err instanceof Error ? err.message : String(err)}\n`));
  });
  const { host, port } = hostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `host:port` (or `[v6]:port`) as the config accepts it. */
export function hostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`'${address}' is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}
