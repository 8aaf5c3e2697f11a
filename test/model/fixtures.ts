/** Removes the common indentation of a template literal, so YAML fixtures can sit indented in test code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ''), '');
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '\n')
    .split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0));
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** A valid runbook with the given steps (lines 1–3 are id, title and `steps:`; the first step starts on line 4). */
export function withSteps(steps: string): string {
  return `id: t\ntitle: T\nsteps:\n${steps}`;
}

/** One wait step, for cases that only need a valid step somewhere. */
export const WAIT = '  - id: a\n    action: wait\n    with: { duration: 1s }\n';
