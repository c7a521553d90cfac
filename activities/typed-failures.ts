// Every activity's SSH errors become ApplicationFailures carrying their type, so the workflow's
// retry policy can tell permanent failures (refused key, changed host key) from transient ones.
import { toApplicationFailure } from './ssh';
import { wrapActivities, type AsyncFn } from './wrap';

export function withTypedFailures<T extends Record<string, AsyncFn>>(activities: T): T {
  return wrapActivities(activities, async (run) => {
    try {
      return await run();
    } catch (err) {
      throw toApplicationFailure(err);
    }
  });
}
