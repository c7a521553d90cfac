// installCluster: the HA binary install runbook as a durable workflow. Phases run in order;
// a crash anywhere resumes at the step in flight, and a re-run after success verifies health.
import { workflowInfo } from '@temporalio/workflow';
import { ErrorTypes } from '../cluster/errors';
import { INSTALL_PHASES } from '../cluster/plan/install';
import type { PhaseSelection } from '../cluster/plan/phases';
import type { Cluster } from '../cluster/spec';
import { Operation, withBodies } from './shared/operation';
import type { InstallRun } from './install/context';
import {
  applyAddons,
  distributeBinaries,
  ensureApiEndpoint,
  formEtcdCluster,
  issueCertificates,
  joinNodes,
  preflight,
  prepareOs,
  startControlPlane,
} from './install/phases';

export interface InstallInput extends PhaseSelection {
  cluster: Cluster;
}

export interface InstallResult {
  cluster: string;
  phases: { name: string; status: string }[];
  warnings: string[];
}

const PHASES = withBodies<(typeof INSTALL_PHASES)[number]['name'], InstallRun>(INSTALL_PHASES, {
  preflight,
  os: prepareOs,
  artifacts: distributeBinaries,
  certs: issueCertificates,
  etcd: formEtcdCluster,
  endpoint: ensureApiEndpoint,
  'control-plane': startControlPlane,
  nodes: joinNodes,
  addons: applyAddons,
});

export async function installCluster(input: InstallInput): Promise<InstallResult> {
  const { cluster } = input;
  const op = new Operation<InstallRun>('install', cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.InstallFailed,
  });
  await op.run({ t: op.t, cluster, warnings: [] }, input);
  return {
    cluster: `${cluster.metadata.name} (${workflowInfo().workflowId})`,
    phases: op.t.progress.phases.map((p) => ({ name: p.name, status: p.status })),
    warnings: op.t.progress.warnings,
  };
}
