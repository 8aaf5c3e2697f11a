import { z } from 'zod';

export const DiffLine = z
  .object({
    op: z.enum(['same', 'added', 'removed']),
    text: z.string(),
    from: z.int().optional().meta({ description: 'Line number in the older version (same and removed lines).' }),
    to: z.int().optional().meta({ description: 'Line number in the newer version (same and added lines).' }),
  })
  .meta({ id: 'DiffLine' });
export type DiffLine = z.infer<typeof DiffLine>;

// Past this many differing lines the diff stops looking for the shortest edit script and shows the rest as removed
// then added: Myers' algorithm costs O((n + m) · d), and a rewritten 1 MiB runbook must not hold the API.
const MAX_EDIT_DISTANCE = 1000;

/** A line diff of two texts (Myers' shortest edit script), every line kept and numbered on its side. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = split(before);
  const b = split(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = editScript(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  const same = () => out.push({ op: 'same', text: a[i]!, from: ++i, to: ++j });
  for (let k = 0; k < head; k++) same();
  for (const op of middle) {
    if (op === 'same') same();
    else if (op === 'removed') out.push({ op, text: a[i]!, from: ++i });
    else out.push({ op, text: b[j]!, to: ++j });
  }
  for (let k = 0; k < tail; k++) same();
  return out;
}

function split(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = DiffLine['op'];

// Myers (1986), forward greedy with one saved frontier per edit distance, then walked back from the end.
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map(() => 'added');
  if (m === 0) return a.map(() => 'removed');
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, offset, d);
    }
    v = next;
  }
  return [...a.map((): Op => 'removed'), ...b.map((): Op => 'added')];
}

function backtrack(trace: Int32Array[], n: number, m: number, offset: number, depth: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = depth; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('same');
      x--;
      y--;
    }
    ops.push(x === prevX ? 'added' : 'removed');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push('same');
    x--;
    y--;
  }
  return ops.reverse();
}
