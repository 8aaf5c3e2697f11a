import type { MetricFamily } from '../runs/metrics';

/** The Prometheus text exposition format (version 0.0.4) of the given families. */
export function prometheusText(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${number(s.value)}`);
    for (const o of f.observations ?? []) {
      const buckets = f.buckets ?? [];
      for (const le of buckets) lines.push(`${f.name}_bucket${labelText({ ...o.labels, le: number(le) })} ${o.values.filter((v) => v <= le).length}`);
      lines.push(`${f.name}_bucket${labelText({ ...o.labels, le: '+Inf' })} ${o.values.length}`);
      lines.push(`${f.name}_sum${labelText(o.labels)} ${number(o.values.reduce((a, b) => a + b, 0))}`);
      lines.push(`${f.name}_count${labelText(o.labels)} ${o.values.length}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function number(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
