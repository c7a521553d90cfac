// A scenario waits on operations that a fault may stall: it fails after a bound instead of
// hanging the whole proof run.
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms / 60_000} min`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
