import { DocPath, formatPath, RunbookIssue } from './issue';

/** What one pass over JSON text finds: repeated keys (which JSON.parse keeps silently) and where each value starts. */
export type JsonSource = { duplicates: RunbookIssue[]; lineAt: (at: DocPath) => number | undefined };

const MAX_DUPLICATES = 1000;

// A container on the scan: its id (values inside it are indexed under `<id>:<key>`), the keys seen so far (objects),
// and its path as a chain of parents, formatted only when a repeated key names it.
type Frame = { id: number; array: boolean; index: number; keys: Set<string>; key: string | number | undefined; parent: Frame | undefined; pendingKey?: string };

/**
 * Scans text that JSON.parse accepted, once and in linear time: each object's keys go into a set (a repeat is an
 * issue naming the key, its path and line), and each value's offset is indexed by its container and key, so a path
 * is located with one lookup per step rather than a scan.
 */
export function scanJson(text: string): JsonSource {
  const duplicates: RunbookIssue[] = [];
  const starts = lineStarts(text);
  const line = (offset: number) => lineOf(starts, offset);
  const index = new Map<string, { id: number; offset: number }>();
  let nextId = 1;
  let top: Frame | undefined;
  const place = (offset: number): number => {
    // Called at the start of each value: records where it is under its container's key, returns the id it gets.
    const id = nextId++;
    if (top === undefined) return id;
    const key = top.array ? top.index++ : top.pendingKey;
    index.set(`${top.id}:${String(key)}`, { id, offset: top.array ? offset : (keyOffset ?? offset) });
    return id;
  };
  let keyOffset: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      const key = top === undefined ? undefined : top.array ? top.index : top.pendingKey;
      const id = place(i);
      top = { id, array: c === 0x5b, index: 0, keys: new Set(), key, parent: top };
    } else if (c === 0x7d || c === 0x5d) {
      top = top?.parent;
    } else if (c === 0x22) {
      const end = stringEnd(text, i);
      if (top !== undefined && !top.array && top.pendingKey === undefined) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? String(JSON.parse(`"${raw}"`)) : raw;
        if (top.keys.has(key) && duplicates.length < MAX_DUPLICATES) {
          duplicates.push({
            path: formatPath([...pathOf(top), key]),
            line: line(i),
            message: `duplicate key '${key}': each key may appear only once in a mapping; remove or rename one`,
          });
        }
        top.keys.add(key);
        top.pendingKey = key;
        keyOffset = i;
      } else {
        place(i);
        if (top !== undefined && !top.array) top.pendingKey = undefined;
      }
      i = end;
    } else if (c === 0x2c) {
      if (top !== undefined && !top.array) top.pendingKey = undefined;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
      // A number, true, false or null: one value, up to the next delimiter.
      place(i);
      while (i + 1 < text.length && !/[\s,\]}]/.test(text[i + 1]!)) i++;
      if (top !== undefined && !top.array) top.pendingKey = undefined;
    }
  }
  const first = text.search(/\S/);
  const lineAt = (at: DocPath): number | undefined => {
    let id = 1;
    let offset: number | undefined = first < 0 ? undefined : first;
    for (const key of at) {
      const found = index.get(`${id}:${String(key)}`);
      if (found === undefined) break;
      ({ id, offset } = found);
    }
    return offset === undefined ? undefined : line(offset);
  };
  return { duplicates, lineAt };
}

function pathOf(frame: Frame): Array<string | number> {
  const path: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f !== undefined; f = f.parent) if (f.key !== undefined) path.push(f.key);
  return path.reverse();
}

// The index of the closing quote of the string opening at `start` (the text is valid JSON).
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
