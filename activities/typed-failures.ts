// Every activity's SSH errors become ApplicationFailures carrying their type, so the workflow's
// retry policy can tell permanent failures (refused key, changed host key) from transient ones.
import { toApplicationFailure } from './ssh';

type AsyncFn = (...args: never[]) => Promise<unknown>;

export function withTypedFailures<T extends Record<string, AsyncFn>>(activities: T): T {
  const wrapped: Record<string, AsyncFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toApplicationFailure(err);
      }
    };
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
