interface ZodIssues {
  issues: { path: PropertyKey[]; message: string }[];
}

/** The first issue of a failed zod parse: where, as zod's path, and what. */
export function issueOf(error: ZodIssues): { path: PropertyKey[]; message: string } {
  const issue = error.issues[0];
  return { path: issue?.path ?? [], message: issue?.message ?? 'invalid' };
}

/** Describes the first issue of a failed zod parse as `path: message`, the path under `prefix` when given. */
export function firstIssue(error: ZodIssues, prefix = ''): string {
  const { path: at, message } = issueOf(error);
  const path = [prefix, ...at.map(String)].filter(Boolean).join('.');
  return path ? `${path}: ${message}` : message;
}

/** A zod path as JavaScript would write it, `changes[1].version`; `(root)` for the value itself. */
export function issuePath(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}
