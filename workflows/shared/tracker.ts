// Runs an operation's phases and steps while keeping its progress visible everywhere:
// the `progress` query, the Web UI's current details, and the HakubePhase search attribute.
import { defineQuery, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { QUERY_PROGRESS } from '../../cluster/operations';
import {
  describeProgress,
  endPhase,
  endStep,
  newProgress,
  startPhase,
  startStep,
  type OperationProgress,
} from '../../cluster/progress';
import { HakubePhase } from '../../cluster/search-attributes';
import { workflowNow } from './clock';

export const progressQuery = defineQuery<OperationProgress>(QUERY_PROGRESS);

export interface StepSpec {
  key: string;
  title: string;
  host?: string;
}

export class OperationTracker {
  readonly progress: OperationProgress;

  constructor(operation: string, cluster: string, phases: readonly { name: string; title: string }[]) {
    this.progress = newProgress(operation, cluster, phases);
    setHandler(progressQuery, () => this.progress);
    this.publish();
  }

  /** Mirrors progress into the Web UI's current details (and the phase search attribute when it moved). */
  publish(): void {
    setCurrentDetails(describeProgress(this.progress));
  }

  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    startPhase(this.progress, name, workflowNow());
    upsertSearchAttributes([{ key: HakubePhase, value: name }]);
    this.publish();
    try {
      const result = await run();
      endPhase(this.progress, name, 'done', workflowNow());
      return result;
    } catch (err) {
      endPhase(this.progress, name, 'failed', workflowNow());
      throw err;
    } finally {
      this.publish();
    }
  }

  /** Marks a phase skipped; `notApplicable` (e.g. etcd on a worker) is not worth a warning. */
  skipPhase(name: string, reason: string, notApplicable = false): void {
    endPhase(this.progress, name, 'skipped', workflowNow());
    if (!notApplicable) this.progress.warnings.push(`${name} skipped: ${reason}`);
    this.publish();
  }

  async step<T>(phase: string, step: StepSpec, run: () => Promise<T>): Promise<T> {
    startStep(this.progress, phase, step, workflowNow());
    this.publish();
    try {
      const result = await run();
      endStep(this.progress, phase, step.key, 'done', workflowNow());
      return result;
    } catch (err) {
      endStep(
        this.progress,
        phase,
        step.key,
        'failed',
        workflowNow(),
        err instanceof Error ? err.message : String(err),
      );
      throw err;
    } finally {
      this.publish();
    }
  }

  finish(status: OperationProgress['status'], error?: string): void {
    this.progress.status = status;
    this.progress.phase = undefined;
    if (error) this.progress.error = error;
    upsertSearchAttributes([{ key: HakubePhase, value: status }]);
    this.publish();
  }
}
