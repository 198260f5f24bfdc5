/** One value per key, created on first use; a rejected promise is forgotten so the next use tries again. */
export function memoize<V>(create: (key: string) => V): (key: string) => V {
  const values = new Map<string, V>();
  return (key) => {
    if (values.has(key)) return values.get(key) as V;
    const value = create(key);
    values.set(key, value);
    if (value instanceof Promise) value.catch(() => values.delete(key));
    return value;
  };
}
