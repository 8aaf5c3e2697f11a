// Who counts as one person, shared by the workflow's four-eyes rules (workflows/four-eyes.ts) and the console's
// button hints (console/may.ts), so the two never disagree on it. Pure and zod-free: the workflow bundle imports it.

/** One person, however their subject is spelt: `Alice`, `alice ` and `ａｌｉｃｅ` are the same subject. */
export function subjectKey(subject: string): string {
  return subject.normalize('NFKC').trim().toLowerCase();
}

/** Whether two subjects name the same person. */
export function sameSubject(a: string, b: string): boolean {
  return subjectKey(a) === subjectKey(b);
}

/** Whether `roles` include one of the approver roles an approval step names. */
export function holdsApproverRole(approvers: readonly string[], roles: readonly string[]): boolean {
  return approvers.some((role) => roles.includes(role));
}
