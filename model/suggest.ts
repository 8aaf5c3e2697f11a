// Suggestions are bounded by a work budget so a huge runbook full of misspelt names still validates fast.
const DEFAULT_BUDGET = 2_000_000;

/** Returns ` (did you mean 'x'?)` for a word close to one of `candidates`, else ''; shares one work budget across calls. */
export function suggester(candidates: Iterable<string>, budget = DEFAULT_BUDGET): (word: string) => string {
  const pool = [...new Set(candidates)];
  let left = budget;
  return (word) => {
    if (word.length === 0 || word.length > 64) return '';
    // Short words are too easily "close" to anything: 'z' is one edit from every one-letter id.
    const limit = word.length <= 2 ? 0 : Math.max(1, Math.floor(word.length / 3));
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const candidate of pool) {
      if (candidate === word || Math.abs(candidate.length - word.length) >= bestDistance) continue;
      left -= word.length * candidate.length;
      if (left < 0) return '';
      const distance = editDistance(word.toLowerCase(), candidate.toLowerCase(), bestDistance);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best === undefined ? '' : ` (did you mean '${best}'?)`;
  };
}

/** One-off suggestion from a short list of candidates. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  return suggester(candidates)(word);
}

// Edit distance counting a swap of adjacent letters as one edit ('hots' → 'host'), giving up (returning
// `cap`) once a whole row reaches cap.
function editDistance(a: string, b: string, cap: number): number {
  if (b.length > 64) return cap;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] ?? 0) + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? cap;
}
