// `npm run chaos`: the fault-injection suite at full size. Sizes from flags (--runs=20) or the environment
// (CHAOS_RUNS=20); prints the seed, the faults and every run's outcome, and exits 1 on any violation.
import { formatResult, runChaos, type ChaosOptions } from './driver';

const DEFAULTS = { runs: 20, steps: 40, kills: 12, stops: 2, workers: 2, settle: 300, seed: undefined as number | undefined };
type Setting = keyof typeof DEFAULTS;

function setting(name: Setting, argv: string[]): number | undefined {
  const flag = argv.find((a) => a.startsWith(`--${name}=`));
  const raw = flag?.slice(name.length + 3) ?? process.env[`CHAOS_${name.toUpperCase()}`];
  if (raw === undefined || raw === '') return DEFAULTS[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag ? `--${name}` : `CHAOS_${name.toUpperCase()}`} must be a whole number, not '${raw}'`);
  return n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const known = Object.keys(DEFAULTS).map((k) => `--${k}=`);
  const unknown = argv.filter((a) => !known.some((k) => a.startsWith(k)));
  if (unknown.length) throw new Error(`unknown argument ${unknown.join(' ')}; use ${known.map((k) => `${k}N`).join(' ')}`);
  const options: ChaosOptions = {
    runs: setting('runs', argv)!,
    steps: setting('steps', argv)!,
    kills: setting('kills', argv)!,
    stops: setting('stops', argv)!,
    workers: Math.max(1, setting('workers', argv)!),
    settleMs: setting('settle', argv)! * 1000,
    seed: setting('seed', argv) ?? Math.floor(Math.random() * 2 ** 31),
    log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
  };
  const result = await runChaos(options);
  console.log(`\n${formatResult(result)}`);
  console.log(`\nrepeat with: npm run chaos -- --seed=${result.seed} --runs=${options.runs} --steps=${options.steps} --kills=${options.kills} --stops=${options.stops}`);
  process.exit(result.violations.length ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(2);
});
