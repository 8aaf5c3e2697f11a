// `npm run bench:validate`: how long the runbook loader takes on hostile ~1 MiB sources with ~40k keys (unique,
// repeated, unknown), as JSON and as YAML. Prints one JSON object per case. Not a test: nothing here asserts a time.
import { loadRunbook } from '../model/load';

const KEYS = Number(process.env.BENCH_KEYS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_CASES?.split(',');

const pad = 'x'.repeat(4);
const keys = (repeat: boolean) => Array.from({ length: KEYS }, (_, i) => (repeat ? `k-${pad}` : `k${i}-${pad}`));
const step = (json: string) => `{"id":"big","action":"http","with":{"url":"http://localhost/","method":"POST","json":${json}}}`;

/** Each case: a runbook whose one http step sends a JSON body of KEYS keys, or that has KEYS keys where none belong. */
const CASES: Record<string, { format: 'json' | 'yaml'; text: () => string }> = {
  'json-unique-keys': { format: 'json', text: () => `{"id":"b","title":"B","steps":[${step(`{${keys(false).map((k) => `"${k}":"v"`)}}`)}]}` },
  'json-repeated-keys': { format: 'json', text: () => `{"id":"b","title":"B","steps":[${step(`{${keys(true).map((k) => `"${k}":"v"`)}}`)}]}` },
  'json-unknown-keys': { format: 'json', text: () => `{"id":"b","title":"B","steps":[],${keys(false).map((k) => `"${k}":"v"`)}}` },
  'yaml-unique-keys': { format: 'yaml', text: () => yamlWith(keys(false)) },
  'yaml-repeated-keys': { format: 'yaml', text: () => yamlWith(keys(true)) },
};

function yamlWith(names: string[]): string {
  const body = names.map((k) => `        ${k}: v`).join('\n');
  return `id: b\ntitle: B\nsteps:\n  - id: big\n    action: http\n    with:\n      url: http://localhost/\n      method: POST\n      json:\n${body}\n`;
}

function main(): void {
  loadRunbook(CASES['json-unique-keys']!.text(), { format: 'json' }); // warm up the JIT
  for (const [name, c] of Object.entries(CASES)) {
    if (ONLY && !ONLY.includes(name)) continue;
    const text = c.text();
    const times: number[] = [];
    const cpu: number[] = [];
    let outcome = '';
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      const cpuStarted = process.cpuUsage();
      const result = loadRunbook(text, { format: c.format });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      const used = process.cpuUsage(cpuStarted);
      cpu.push((used.user + used.system) / 1000);
      outcome = result.ok ? 'valid' : `${result.errors.length} errors`;
    }
    const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[xs.length >> 1]!);
    console.log(JSON.stringify({ case: name, keys: KEYS, bytes: Buffer.byteLength(text), medianMs: median(times), medianCpuMs: median(cpu), outcome }));
  }
}

main();
