import type { Runbook } from '../model/runbook';
import { jsonBytes, kib, PARAMETERS_BYTES } from './outputs';

export type ParameterIssue = { path: string; message: string };

/**
 * Checks given run parameters against the runbook's declarations and fills in defaults. Every problem is
 * reported at once with its path (`parameters.region`).
 */
export function resolveParameters(runbook: Runbook, given: Record<string, unknown>): { ok: true; values: Record<string, unknown> } | { ok: false; issues: ParameterIssue[] } {
  const declared = runbook.parameters ?? {};
  const issues: ParameterIssue[] = [];
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      const known = Object.keys(declared);
      issues.push({ path: `parameters.${name}`, message: `runbook ${runbook.id} has no parameter ${name}${known.length ? ` (it has: ${known.join(', ')})` : ' (it takes none)'}` });
    }
  }
  for (const [name, p] of Object.entries(declared)) {
    const path = `parameters.${name}`;
    const value = given[name] ?? p.default;
    if (value === undefined) {
      if (p.required) issues.push({ path, message: `required parameter ${name} (${p.type}) is missing` });
      continue;
    }
    const problem = typeProblem(p, value);
    if (problem) issues.push({ path, message: problem });
    else values[name] = value;
  }
  const bytes = jsonBytes(values);
  if (bytes > PARAMETERS_BYTES) {
    const [largest, size] = Object.entries(values)
      .map(([name, v]) => [name, jsonBytes(v)] as const)
      .reduce((a, b) => (b[1] > a[1] ? b : a));
    issues.push({
      path: `parameters.${largest}`,
      message: `the parameters hold ${kib(bytes)} (${largest} ${kib(size)}), over the ${kib(PARAMETERS_BYTES)} a run's parameters may hold: every start and continuation of the run carries them; pass a reference (a URL, an id) instead`,
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

type Param = NonNullable<Runbook['parameters']>[string];

function typeProblem(p: Param, value: unknown): string | undefined {
  switch (p.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${JSON.stringify(value)}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `expected a number, got ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case 'enum': {
      const allowed = p.values ?? [];
      return allowed.some((v) => v === value) ? undefined : `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`;
    }
  }
}
