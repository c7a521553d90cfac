// Activity proxies with hakube's timeouts and retry policy, and a helper that runs one step
// (one activity on one host) with its summary shown in the Web UI and its progress tracked.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../../cluster/errors';
import type { HostSpec } from '../../cluster/spec';
import type { OperationTracker, StepSpec } from './tracker';

/** Remote steps: retried with backoff without a cap on attempts, so a host that is down is waited for. */
export const REMOTE_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  // Every activity heartbeats while it runs (activities/liveness.ts): a step whose worker died
  // is retried elsewhere after this, not after its start-to-close timeout.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
};

export const acts = proxyActivities<Activities>(REMOTE_STEP_OPTIONS);

// A gate's check is cheap and what it waits for (a member, an apiserver, a node) comes up within
// seconds: polled every 2 s at first, then every 5 s, not with the remote steps' backoff to 30 s.
const GATE_RETRY: ActivityOptions['retry'] = {
  initialInterval: '2 seconds',
  backoffCoefficient: 1.5,
  maximumInterval: '5 seconds',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** A gate waited on for as long as it takes (a host that is down is waited for), polled often. */
export const WAIT_GATE: Partial<ActivityOptions> = { retry: GATE_RETRY };

/** A health gate: polled often, and given up after `timeoutMs` so a failure is reported. */
export function gateOptions(timeoutMs: number): Partial<ActivityOptions> {
  return { scheduleToCloseTimeout: timeoutMs, startToCloseTimeout: '1 minute', retry: GATE_RETRY };
}

type ActivityFn = (...args: never[]) => Promise<unknown>;
type WithOptions<F extends ActivityFn> = F & {
  executeWithOptions(options: ActivityOptions, args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
};

/** Runs `fn(...args)` as the step `step` of `phase`: summary "key: title", progress start/end. */
export function runStep<F extends ActivityFn>(
  tracker: OperationTracker,
  phase: string,
  step: StepSpec,
  fn: WithOptions<F>,
  args: Parameters<F>,
  options: Partial<ActivityOptions> = {},
): Promise<Awaited<ReturnType<F>>> {
  const summary = `${step.key}: ${step.title}`;
  return tracker.step(phase, step, () =>
    fn.executeWithOptions({ ...REMOTE_STEP_OPTIONS, ...options, summary }, args),
  );
}

/** Runs the same one-input activity on every host of `hosts` at once, each its own step (`key/<host>`). */
export function runOnEach<F extends ActivityFn>(
  tracker: OperationTracker,
  phase: string,
  hosts: HostSpec[],
  step: { key: string; title: string },
  fn: WithOptions<F>,
  input: (host: HostSpec) => Parameters<F>[0],
  options: Partial<ActivityOptions> = {},
): Promise<Awaited<ReturnType<F>>[]> {
  return Promise.all(
    hosts.map((h) =>
      runStep(
        tracker,
        phase,
        { key: `${step.key}/${h.name}`, title: step.title, host: h.name },
        fn,
        // Every hakube activity takes one input object.
        [input(h)] as Parameters<F>,
        options,
      ),
    ),
  );
}
