// Pure: imported by workflow code (approval and manual checks) and by the API (route guards).

/** The built-in roles; runbooks may name further approver roles (e.g. `dba`, `incident-commander`). */
export const ROLES = ['viewer', 'operator', 'author', 'reviewer', 'admin'] as const;
export type BuiltInRole = (typeof ROLES)[number];

// admin may do what operator, author and reviewer may; they all may read.
const IMPLIED_BY: Record<string, readonly BuiltInRole[]> = {
  viewer: ['operator', 'author', 'reviewer', 'admin'],
  operator: ['admin'],
  author: ['admin'],
  reviewer: ['admin'],
  admin: [],
};

/** Whether someone holding `roles` has `role`, directly or through a built-in role that includes it. */
export function hasRole(roles: readonly string[], role: string): boolean {
  if (roles.includes(role)) return true;
  const by = IMPLIED_BY[role];
  return by !== undefined && by.some((r) => roles.includes(r));
}
