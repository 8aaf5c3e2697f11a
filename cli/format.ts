import { RunbookIssue } from '../model/issue';

/** `file:line path: message`, the shape editors and CI annotators understand. */
export function formatIssue(file: string, issue: RunbookIssue, severity: 'error' | 'warning' = 'error'): string {
  const location = issue.line === undefined ? file : `${file}:${issue.line}`;
  const subject = issue.path === '' ? '' : ` ${issue.path}`;
  return `${location}${subject}: ${severity === 'warning' ? 'warning: ' : ''}${issue.message}\n`;
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
