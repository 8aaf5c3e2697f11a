// `validate-1mib`: how long `POST /runbooks/validate` takes on a valid runbook of nearly 1 MiB (the body limit) —
// many steps, long strings, deep maps — sent as YAML and as JSON, and on a body of 40k keys in one mapping; beside
// each, the loader alone in this process (what the API's CPU spends) and, as the baseline, the positional YAML parse
// alone (how the loader read YAML before the fast read). Not a test: nothing here asserts a time.
import { loadRunbook, MAX_SOURCE_BYTES } from '../model/load';
import { validateDocument } from '../model/validate';
import { lineAt, parseYaml } from '../model/yaml-source';
import { median, round2, type BenchContext, type Scenario } from './context';

const ROUNDS = Number(process.env.BENCH_VALIDATE_ROUNDS ?? 5);

/** A valid runbook as a plain value, of about `bytes` as YAML. */
export function bigRunbook(bytes = MAX_SOURCE_BYTES * 1.5): Record<string, unknown> {
  const steps: Array<Record<string, unknown>> = [];
  const deep = (depth: number, i: number): unknown => (depth === 0 ? `leaf ${i} ${'v'.repeat(20)}` : { [`level${depth}`]: deep(depth - 1, i), n: depth, on: depth % 2 === 0 });
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const step = {
      id: `step-${i}`,
      title: `Step ${i}: ${'a long title for a step that says what it does '.repeat(2)}`,
      action: 'http',
      ...(i > 0 ? { needs: [`step-${i - 1}`] } : {}),
      with: {
        url: `http://localhost:8080/services/${i}/failover`,
        method: 'POST',
        headers: { 'x-request': `req-${i}`, 'x-note': 'n'.repeat(120) },
        json: { region: 'eu-west-1', replicas: i % 7, tree: deep(12, i), list: [1, 2, 3, 'four', { five: 5 }] },
      },
    };
    size += 900; // about what one step takes as YAML
    steps.push(step);
  }
  return { id: 'big', title: 'A runbook near the size limit', description: 'd'.repeat(2000), steps };
}

/** The YAML text of `value`, block style, with the indentation people write. */
export function yamlText(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return value.map((v) => `${indent}-${block(v, `${indent}  `)}`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => `${indent}${scalar(k)}:${block(v, `${indent}  `)}`)
      .join('');
  }
  return ` ${scalar(value)}\n`;
}

function block(v: unknown, indent: string): string {
  if (typeof v === 'object' && v !== null && Object.keys(v).length > 0) return `\n${yamlText(v, indent)}`;
  return ` ${scalar(v)}\n`;
}

// Plain where YAML reads it back as the same string, quoted otherwise (as people write it).
function scalar(v: unknown): string {
  return typeof v === 'string' && /^[A-Za-z][\w .:/-]*$/.test(v) && !/: |:$|^(true|false|null)$/.test(v) ? v : JSON.stringify(v);
}

/** The three bodies: YAML and JSON of the same near-1 MiB runbook, and YAML with 40k keys in one mapping. */
export function bodies(): Array<{ name: string; type: string; format: 'yaml' | 'json'; text: string }> {
  // Each text gets as many whole steps as fit under the limit.
  const fit = (text: (v: unknown) => string): string => {
    const value = bigRunbook();
    const steps = value.steps as unknown[];
    for (let t = text(value); ; t = text(value)) {
      const over = Buffer.byteLength(t) - (MAX_SOURCE_BYTES - 1024);
      if (over <= 0) return t;
      steps.length -= Math.max(1, Math.floor((over / Buffer.byteLength(t)) * steps.length));
    }
  };
  const json = fit((v) => JSON.stringify(v, null, 2));
  const yaml = fit((v) => yamlText(v));
  const keys = Array.from({ length: 40_000 }, (_, i) => `        k${i}-xxxx: v`).join('\n');
  const manyKeys = `id: b\ntitle: B\nsteps:\n  - id: big\n    action: http\n    with:\n      url: http://localhost/\n      method: POST\n      json:\n${keys}\n`;
  return [
    { name: 'yaml', type: 'application/yaml', format: 'yaml', text: yaml },
    { name: 'json', type: 'application/json', format: 'json', text: json },
    { name: 'yaml40kKeys', type: 'application/yaml', format: 'yaml', text: manyKeys },
  ];
}

/** CPU ms of one call. */
function cpuOf(f: () => unknown): number {
  const started = process.cpuUsage();
  f();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** How the loader read YAML before the fast read: the positional parse, its value, then validation. */
function positionalLoad(text: string): unknown {
  const yaml = parseYaml(text);
  return yaml.errors.length > 0 ? yaml.errors : validateDocument(yaml.source.doc.toJS(), (at) => lineAt(yaml.source, at));
}

export const validate1mib: Scenario = {
  name: 'validate-1mib',
  async run(ctx: BenchContext) {
    const figures: Record<string, unknown> = {};
    for (const b of bodies()) {
      const http: number[] = [];
      const cpu: number[] = [];
      const baseline: number[] = [];
      let outcome = '';
      for (let round = 0; round <= ROUNDS; round++) {
        const t0 = performance.now();
        const res = await fetch(`${ctx.lb.url}/runbooks/validate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ctx.adminToken}`, 'content-type': b.type },
          body: b.text,
        }).catch((err: unknown) => {
          throw new Error(`validate-1mib: ${b.name}: POST /runbooks/validate failed: ${String(err instanceof Error ? (err.cause ?? err) : err)}`);
        });
        const answer: unknown = await res.json();
        const ms = performance.now() - t0;
        let ok = false;
        const loaderMs = cpuOf(() => (ok = loadRunbook(b.text, { format: b.format }).ok));
        const positionalMs = b.format === 'yaml' ? cpuOf(() => positionalLoad(b.text)) : undefined;
        if (res.status !== 200 || typeof answer !== 'object' || answer === null || Reflect.get(answer, 'ok') !== ok)
          throw new Error(`validate-1mib: ${b.name}: the API answered ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
        outcome = ok ? 'valid' : 'invalid';
        if (round === 0) continue; // warm-up
        http.push(ms);
        cpu.push(loaderMs);
        if (positionalMs !== undefined) baseline.push(positionalMs);
      }
      const loaderCpuMs = round2(median(cpu));
      const positional = baseline.length > 0 ? { positionalCpuMs: round2(median(baseline)), ratio: round2(loaderCpuMs / median(baseline)) } : {};
      figures[b.name] = { bytes: Buffer.byteLength(b.text), httpMs: round2(median(http)), loaderCpuMs, ...positional, outcome };
    }
    ctx.print('validate-1mib', { rounds: ROUNDS, ...figures });
  },
};
