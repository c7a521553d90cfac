// Runs every activity through one wrapper, keeping its name (Temporal registers activities by it).

export type AsyncFn = (...args: never[]) => Promise<unknown>;

export function wrapActivities<T extends Record<string, AsyncFn>>(
  activities: T,
  around: (run: () => Promise<unknown>, call: { name: string; args: unknown[] }) => Promise<unknown>,
): T {
  const wrapped: Record<string, AsyncFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = (...args: never[]) => around(() => fn(...args), { name, args });
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
