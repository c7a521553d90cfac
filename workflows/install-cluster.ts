// installCluster: the HA binary install runbook as a durable workflow. Phases run in order;
// a crash anywhere resumes at the step in flight, and a re-run after success verifies health.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { Cluster } from '../cluster/spec';
import { INSTALL_PHASES, installPlan, type InstallPhase, type PlanOptions } from '../cluster/plan/install';
import { OperationTracker } from './shared/tracker';
import type { InstallContext } from './install/context';
import { preflight } from './install/preflight';
import {
  ensureApiEndpoint,
  formEtcdCluster,
  joinNodes,
  prepareOs,
  startControlPlane,
} from './install/phases';
import { distributeBinaries, issueCertificates } from './install/artifacts-and-certs';
import { applyAddons } from './install/addons';

export interface InstallInput extends PlanOptions {
  cluster: Cluster;
}

export interface InstallResult {
  cluster: string;
  phases: { name: string; status: string }[];
  warnings: string[];
}

const RUN: Record<InstallPhase, (ctx: InstallContext) => Promise<void>> = {
  preflight,
  os: prepareOs,
  artifacts: distributeBinaries,
  certs: issueCertificates,
  etcd: formEtcdCluster,
  endpoint: ensureApiEndpoint,
  'control-plane': startControlPlane,
  nodes: joinNodes,
  addons: applyAddons,
};

export async function installCluster(input: InstallInput): Promise<InstallResult> {
  const tracker = new OperationTracker('install', input.cluster.metadata.name, [...INSTALL_PHASES]);
  const ctx: InstallContext = { cluster: input.cluster, tracker, warnings: [] };
  try {
    for (const phase of installPlan(input.cluster, input)) {
      if (phase.skipped) tracker.skipPhase(phase.name, phase.skipped);
      else await tracker.phase(phase.name, () => RUN[phase.name](ctx));
    }
  } catch (err) {
    tracker.finish('failed', err instanceof Error ? err.message : String(err));
    throw err instanceof ApplicationFailure
      ? err
      : ApplicationFailure.create({ message: String(err), cause: err as Error });
  }
  tracker.finish('completed');
  return {
    cluster: `${input.cluster.metadata.name} (${workflowInfo().workflowId})`,
    phases: tracker.progress.phases.map((p) => ({ name: p.name, status: p.status })),
    warnings: tracker.progress.warnings,
  };
}
