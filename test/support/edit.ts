/** A deep copy of `item` with the field at the dotted `path` set to `value`, or removed when `value` is undefined. */
export function withField<T>(item: T, path: string, value: unknown): T {
  const copy = structuredClone(item);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let target = copy as Record<string, unknown>;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}
