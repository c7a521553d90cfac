// What an upgrade is given, what it returns, and the state its phases share (workflows/upgrade-cluster.ts).
import type { Decision } from '../../cluster/progress';
import type { UpgradePlanInput } from '../../cluster/plan/upgrade';
import type { Cluster, HostSpec } from '../../cluster/spec';
import type { ProbeResult } from '../../cluster/upgrade/probe';
import type { Operation, OperationRun } from '../shared/operation';
import type { HostUpgradeContext } from '../steps/host-upgrade';

export const DEFAULT_UPGRADE_HEALTH_TIMEOUT_MS = 5 * 60_000;
/** How long a failed gate waits for a person before the upgrade stops where it is. */
export const DEFAULT_DECISION_TIMEOUT_MS = 7 * 24 * 60 * 60_000;

export interface UpgradeInput {
  /** The cluster as installed (its spec names the bundle it runs). */
  cluster: Cluster;
  /** The version to reach and the bundle folder (on the worker's machine) that carries it. */
  to: string;
  bundleDir: string;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** Workers upgraded at once (default 1). */
  waveSize?: number;
  /** Each worker wave waits for approval. */
  approveWaves?: boolean;
  /** Worker waves start only inside this window (`[Sat,Sun ]HH:MM-HH:MM`, UTC). */
  window?: string;
  /** How long each host's gates may take before it is rolled back. */
  healthTimeoutMs?: number;
  /** How long a drain may wait on PodDisruptionBudgets; unbounded when absent. */
  drainTimeoutMs?: number;
  /** How long a failed gate waits for a decision. */
  decisionTimeoutMs?: number;
  onlyPhases?: string[];
  skipPhases?: string[];
}

export interface HostUpgrade {
  host: string;
  role: 'control-plane' | 'worker';
  outcome: 'upgraded' | 'current' | 'rolled-back' | 'not-started';
  restarted: string[];
  error?: string;
}

export interface UpgradeResult {
  to: string;
  from?: string;
  stamp: string;
  snapshot?: { id: string; storedAt: string; workflowId: string };
  hosts: HostUpgrade[];
  decisions: Decision[];
}

export interface UpgradeRun extends OperationRun, UpgradePlanInput {
  input: UpgradeInput;
  /** The cluster at the target version and bundle: what every step after preflight is given. */
  cluster: Cluster;
  stamp: string;
  ctx: HostUpgradeContext;
  versions: ProbeResult[];
  from?: string;
  snapshot?: UpgradeResult['snapshot'];
  hosts: HostUpgrade[];
  ask: Operation<UpgradeRun>['ask'];
}

export const roleOf = (h: HostSpec): HostUpgrade['role'] =>
  h.roles.includes('control-plane') ? 'control-plane' : 'worker';

/** Read-only steps of preflight and verify: a host that does not answer three times fails the run. */
export const retry3 = { retry: { maximumAttempts: 3, initialInterval: '2 seconds' } };
