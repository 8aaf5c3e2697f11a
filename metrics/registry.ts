import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** What `lifeboat_build_info` says: the package version, the commit it was built from (LIFEBOAT_COMMIT) and Node's version. */
export function buildInfo(env: NodeJS.ProcessEnv = process.env): { version: string; commit: string; node: string } {
  return { version: packageVersion(), commit: env.LIFEBOAT_COMMIT?.trim() || 'unknown', node: process.version };
}

/**
 * One process's metrics: Node's process metrics (`process_*`, `nodejs_*`) and `lifeboat_build_info`. The worker's
 * run and step metrics (metrics/runs.ts) and the API's store gauges (metrics/store.ts) register on it; the process
 * serves it at its own /metrics (Prometheus's model: every process is scraped, counters are per process).
 */
export function processRegistry(env: NodeJS.ProcessEnv = process.env): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'lifeboat_build_info',
    help: 'Always 1; the labels say which Lifeboat and Node this process runs.',
    labelNames: ['version', 'commit', 'node'],
    registers: [registry],
  });
  info.set(buildInfo(env), 1);
  return registry;
}

// package.json is one folder up from this file in a checkout and two from the compiled one in dist/metrics/.
function packageVersion(): string {
  for (const up of ['..', '../..']) {
    const file = path.join(__dirname, up, 'package.json');
    if (existsSync(file)) {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
    }
  }
  return 'unknown';
}
