/** Describes the first issue of a failed zod parse as `path: message`, the path under `prefix` when given. */
export function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }, prefix = ''): string {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.');
  const message = issue?.message ?? 'invalid';
  return path ? `${path}: ${message}` : message;
}
