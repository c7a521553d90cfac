// The typed client module behind the CLI, importable by users' own scripts: start an
// operation, read its progress, approve or reject, list operations, wait for results.
import { hostname, userInfo } from 'node:os';
import {
  Client,
  Connection,
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { QUERY_PROGRESS, UPDATE_DECIDE, workflowIdFor, type Operation } from '../cluster/operations';
import type { OperationProgress, StepDetails } from '../cluster/progress';
import { HakubeCluster, HakubeOperation, HakubePhase, TASK_QUEUE } from '../cluster/search-attributes';
import type { DecisionInput, DecisionResult } from '../workflows/shared/approval';
import type { SelfTestInput, SelfTestResult } from '../workflows/self-test';
import type { InstallInput } from '../workflows/install-cluster';
import type { BackupInput } from '../workflows/etcd-backup';
import type { RestoreInput } from '../workflows/etcd-restore';
import type { RollbackInput } from '../workflows/etcd-restore-rollback';
import type { CertsCheckInput } from '../workflows/check-certificates';
import type { DoctorInput } from '../workflows/doctor';
import type { ResetInput } from '../workflows/reset-cluster';
import type { AddNodesInput } from '../workflows/add-nodes';
import type { RotateInput } from '../workflows/rotate-certificates';
import type { UpgradeInput } from '../workflows/upgrade-cluster';
import { temporalConnectionFromEnv, type TemporalConnection } from './temporal-connection';
import type { RotateCaInput } from '../workflows/rotate-ca';
import type { RotateEncryptionKeyInput } from '../workflows/rotate-encryption-key';
import type { RemoveNodeInput } from '../workflows/remove-node';
import { hakubeDataConverter } from './codec/data-converter';
import { loadKeyRing, type KeyRing } from './codec/keys';
import { rawFailureMessage, rawPayloadValue } from './codec/raw-payloads';

export interface HakubeClientOptions {
  address?: string;
  /** Address, TLS and API key; default from the environment (client/temporal-connection.ts), `address` overriding. */
  connection?: TemporalConnection;
  namespace?: string;
  taskQueue?: string;
  /**
   * Payload encryption keys (client/codec). Default: from HAKUBE_CODEC_KEY_FILE / HAKUBE_CODEC_KEY;
   * null turns encryption off. Must match the worker's: both encrypt, or neither.
   */
  codecKeys?: KeyRing | null;
}

export interface OperationSummary {
  workflowId: string;
  runId: string;
  type: string;
  cluster?: string;
  operation?: string;
  phase?: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
}

export interface PendingStep {
  activity: string;
  attempt: number;
  lastFailure?: string;
  /** What the running attempt last reported (remote output, file counts). */
  details?: StepDetails;
}

export interface StartedOperation {
  workflowId: string;
  runId: string;
  /** False when an operation with this id was already running and we attached to it. */
  started: boolean;
}

/** An approval or rejection the operation refused (nothing waiting, no reason given, already finished). */
export class DecisionRefusedError extends Error {
  constructor(
    readonly workflowId: string,
    reason: string,
  ) {
    super(`${workflowId}: ${reason}`);
    this.name = 'DecisionRefused';
  }
}

/** What Temporal records as the caller of everything this client does: user@host and process. */
export function clientIdentity(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()} (hakube pid ${process.pid})`;
}

export class HakubeClient {
  private constructor(
    readonly temporal: Client,
    private readonly connection: Connection,
    readonly taskQueue: string,
  ) {}

  static async connect(opts: HakubeClientOptions = {}): Promise<HakubeClient> {
    const settings = opts.connection ?? temporalConnectionFromEnv(process.env, { address: opts.address });
    const connection = await Connection.connect(settings);
    const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
    const keys = opts.codecKeys === undefined ? loadKeyRing().ring : (opts.codecKeys ?? undefined);
    return new HakubeClient(
      new Client({
        connection,
        namespace,
        identity: clientIdentity(),
        dataConverter: hakubeDataConverter(keys),
      }),
      connection,
      opts.taskQueue ?? process.env.HAKUBE_TASK_QUEUE ?? TASK_QUEUE,
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Starts `workflowType` for an operation on a cluster, or attaches to the one already running. */
  async startOperation<A extends unknown[]>(params: {
    workflowType: string;
    operation: Operation;
    cluster: string;
    args: A;
    workflowId?: string;
    summary: string;
    details?: string;
  }): Promise<StartedOperation> {
    const workflowId = params.workflowId ?? workflowIdFor(params.operation, params.cluster);
    const wasRunning = await this.isRunning(workflowId);
    const handle = await this.temporal.workflow.start(params.workflowType, {
      taskQueue: this.taskQueue,
      workflowId,
      args: params.args,
      // Starting the same operation twice attaches to the running one instead of starting a second.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: params.summary,
      staticDetails: params.details,
      typedSearchAttributes: operationSearchAttributes(params.cluster, params.operation),
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: !wasRunning };
  }

  /**
   * What the server knows beyond the progress query: whether the execution is closed (a
   * terminated operation never updates its own progress), and the activities in flight or
   * waiting to retry, with their attempt and last failure.
   */
  async execution(workflowId: string): Promise<{ closed: boolean; status: string; pending: PendingStep[] }> {
    const d = await this.handle(workflowId).describe();
    // describe() leaves these payloads as stored: decode them like results (they are encrypted when encryption is on).
    const converter = this.temporal.options.loadedDataConverter;
    const pending = await Promise.all(
      (d.raw.pendingActivities ?? []).map(async (a) => {
        const details = heartbeatDetails(await rawPayloadValue(converter, a.heartbeatDetails?.payloads?.[0]));
        const lastFailure = await rawFailureMessage(converter, a.lastFailure);
        return {
          activity: a.activityType?.name ?? 'unknown',
          attempt: a.attempt ?? 1,
          ...(lastFailure ? { lastFailure } : {}),
          ...(details ? { details } : {}),
        };
      }),
    );
    return { closed: d.status.name !== 'RUNNING', status: d.status.name, pending };
  }

  async isRunning(workflowId: string): Promise<boolean> {
    try {
      const d = await this.handle(workflowId).describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  startSelfTest(input: SelfTestInput, workflowId?: string): Promise<StartedOperation> {
    return this.startOperation<[SelfTestInput]>({
      workflowType: 'selfTest',
      operation: 'selftest',
      cluster: input.cluster,
      args: [input],
      workflowId,
      summary: `self-test for ${input.cluster}`,
      details: `Proves a hakube worker is polling task queue **${this.taskQueue}** and activities run.`,
    });
  }

  /** Starts `backup-<cluster>` (or attaches to the one running). */
  startBackup(input: BackupInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[BackupInput]>({
      workflowType: 'etcdBackup',
      operation: 'backup',
      cluster: c.metadata.name,
      args: [input],
      summary: `etcd backup of ${c.metadata.name}`,
      details: `Snapshot from a follower, verified, stored at the backup target; keeps ${c.spec.etcd.backup?.keep ?? 10}.`,
    });
  }

  /** Starts `restore-<cluster>` (or attaches to the one running): it waits for approval unless approvedBy. */
  startRestore(input: RestoreInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[RestoreInput]>({
      workflowType: 'etcdRestore',
      operation: 'restore',
      cluster: c.metadata.name,
      args: [input],
      summary: `etcd restore of ${c.metadata.name} from ${input.snapshotId}`,
      details: `**Snapshot** ${input.snapshotId}  \n**Approval** ${
        input.approvedBy ? `given in advance by ${input.approvedBy}` : 'required before anything is stopped'
      }  \nThe data dirs from before the restore are kept on every member.`,
    });
  }

  /**
   * Starts `restore-<cluster>-rollback`: undoes what the latest run of `restoreWorkflowId`
   * changed on the members (its run id names what it left on each).
   */
  async startRestoreRollback(params: {
    cluster: RollbackInput['cluster'];
    restoreWorkflowId: string;
    healthTimeoutMs?: number;
  }): Promise<StartedOperation> {
    const d = await this.handle(params.restoreWorkflowId).describe();
    if (d.type !== 'etcdRestore')
      throw new Error(`${params.restoreWorkflowId} is a ${d.type}, not an etcd restore`);
    if (d.status.name === 'RUNNING')
      throw new Error(`${params.restoreWorkflowId} is still running: let it end (or terminate it) first`);
    const c = params.cluster;
    return this.startOperation<[RollbackInput]>({
      workflowType: 'etcdRestoreRollback',
      operation: 'restore',
      cluster: c.metadata.name,
      workflowId: workflowIdFor('restore', c.metadata.name, 'rollback'),
      args: [{ ...params, restoreRunId: d.runId }],
      summary: `roll back ${params.restoreWorkflowId} on ${c.metadata.name}`,
      details: `Puts the etcd data dirs from before restore run ${d.runId} back in place.`,
    });
  }

  /** Starts `reset-<cluster>` (or attaches to the one running): it waits for approval unless approvedBy. */
  startReset(input: ResetInput): Promise<StartedOperation> {
    const c = input.cluster;
    const hosts = input.nodes?.length ? input.nodes : c.spec.hosts.map((h) => h.name);
    const all = hosts.length === c.spec.hosts.length;
    return this.startOperation<[ResetInput]>({
      workflowType: 'resetCluster',
      operation: 'reset',
      cluster: c.metadata.name,
      args: [input],
      summary: `reset ${all ? 'every host of ' : ''}${c.metadata.name}${all ? '' : `: ${hosts.join(', ')}`}`,
      details: `**Hosts** ${hosts.join(', ')}  \n**Approval** ${
        input.approvedBy ? `given in advance by ${input.approvedBy}` : 'required before anything is stopped'
      }  \nServices stop and their units go; configs and data are moved aside (\`<path>.reset-<stamp>\`), never deleted.`,
    });
  }

  /** Starts `certs-check-<cluster>` (or attaches to the one running). */
  startCertsCheck(input: CertsCheckInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[CertsCheckInput]>({
      workflowType: 'checkCertificates',
      operation: 'certs-check',
      cluster: c.metadata.name,
      args: [input],
      summary: `certificate check of ${c.metadata.name}: ${c.spec.hosts.length} hosts`,
      details: `Every certificate on every host against the certificate table and the cluster CAs; renew before ${c.spec.certificates.renewBeforeDays} days.`,
    });
  }

  /** Starts `doctor-<cluster>` (or attaches to the one running): read-only, no approval. */
  startDoctor(input: DoctorInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[DoctorInput]>({
      workflowType: 'doctor',
      operation: 'doctor',
      cluster: c.metadata.name,
      args: [input],
      summary: `doctor of ${c.metadata.name}: ${c.spec.hosts.length} hosts`,
      details:
        'A read-only diagnosis: units, disks, clocks, etcd, apiservers, the VIP, nodes and certificates; each finding with its evidence and fix.',
    });
  }

  /** Starts `certs-rotate-<cluster>` (or attaches to the one running): it waits for approval unless approvedBy. */
  startCertsRotate(input: RotateInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[RotateInput]>({
      workflowType: 'rotateCertificates',
      operation: 'certs-rotate',
      cluster: c.metadata.name,
      args: [input],
      summary: `certificate rotation on ${c.metadata.name}${input.force ? ' (all leaves)' : ''}`,
      details: `Leaf certificates ${input.force ? '(all)' : `inside renewBefore (${c.spec.certificates.renewBeforeDays} days)`}${
        input.only?.length ? `, only ${input.only.join(', ')}` : ''
      } renewed from the same CAs, one host at a time behind health gates; previous ones kept on each host.`,
    });
  }

  /** Starts `certs-rotate-<cluster>-ca` (or attaches to the one running): it waits for approval unless approvedBy. */
  startCaRotation(input: RotateCaInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[RotateCaInput]>({
      workflowType: 'rotateCa',
      operation: 'certs-rotate',
      cluster: c.metadata.name,
      workflowId: workflowIdFor('certs-rotate', c.metadata.name, 'ca'),
      args: [input],
      summary: `${input.ca} rotation on ${c.metadata.name}`,
      details: `A new ${input.ca} trusted next to the old one, its leaves re-issued, then the old one no longer trusted; one host at a time behind health gates.`,
    });
  }

  /** Starts `certs-rotate-<cluster>-encryption-key` (or attaches to the one running): it waits for approval unless approvedBy. */
  startEncryptionKeyRotation(input: RotateEncryptionKeyInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[RotateEncryptionKeyInput]>({
      workflowType: 'rotateEncryptionKey',
      operation: 'certs-rotate',
      cluster: c.metadata.name,
      workflowId: workflowIdFor('certs-rotate', c.metadata.name, 'encryption-key'),
      args: [input],
      summary: `Secrets encryption key rotation on ${c.metadata.name}`,
      details:
        'A new key trusted by every apiserver, then used by all, every Secret rewritten with it, then the old key dropped; each stage gated on every apiserver having loaded it.',
    });
  }

  /** Starts `join-<cluster>` (or attaches to the one running): one child workflow per node. */
  startAddNodes(input: AddNodesInput): Promise<StartedOperation> {
    const c = input.cluster;
    const nodes = c.spec.hosts
      .filter((h) => input.nodes.includes(h.name))
      .map((h) => `${h.name} (${h.address}, ${h.roles.join('+')})`);
    return this.startOperation<[AddNodesInput]>({
      workflowType: 'addNodes',
      operation: 'join',
      cluster: c.metadata.name,
      args: [input],
      summary: `add ${input.nodes.length} node${input.nodes.length === 1 ? '' : 's'} to ${c.metadata.name}`,
      details: `**Nodes** ${nodes.join(', ')}  \nControl-plane hosts join one at a time, workers ${input.parallel ?? 5} at a time; each in its own workflow \`join-${c.metadata.name}-<node>\`.`,
    });
  }

  /** Starts `remove-<cluster>-<node>` (or attaches to the one running): it waits for approval unless approvedBy. */
  startRemoveNode(input: RemoveNodeInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[RemoveNodeInput]>({
      workflowType: 'removeNode',
      operation: 'remove',
      cluster: c.metadata.name,
      workflowId: workflowIdFor('remove', c.metadata.name, input.node),
      args: [input],
      summary: `remove ${input.node} from ${c.metadata.name}${input.hostDown ? ' (host down)' : ''}`,
      details: `**Node** ${input.node}  \n**Approval** ${
        input.approvedBy ? `given in advance by ${input.approvedBy}` : 'required before anything changes'
      }  \n${
        input.hostDown
          ? 'The host is down: nothing runs on it; reset it before it rejoins the network.'
          : 'Its data is moved aside on the host, never deleted.'
      }`,
    });
  }

  /** Starts `upgrade-<cluster>` (or attaches to the one running): it waits for approval unless approvedBy. */
  startUpgrade(input: UpgradeInput): Promise<StartedOperation> {
    const c = input.cluster;
    return this.startOperation<[UpgradeInput]>({
      workflowType: 'upgradeCluster',
      operation: 'upgrade',
      cluster: c.metadata.name,
      args: [input],
      summary: `upgrade ${c.metadata.name} to ${input.to}`,
      details: `**Target** ${input.to} from bundle ${input.bundleDir}  \n**Approval** ${
        input.approvedBy ? `given in advance by ${input.approvedBy}` : 'required before anything changes'
      }  \nA verified etcd snapshot first; control-plane hosts one at a time, workers in waves of ${input.waveSize ?? 1}; a failed gate rolls the host back and waits for a decision.`,
    });
  }

  /** Starts `install-<cluster>` (or attaches to the one running). */
  startInstall(input: InstallInput): Promise<StartedOperation> {
    const c = input.cluster;
    const hosts = c.spec.hosts.map((h) => `${h.name} (${h.address}, ${h.roles.join('+')})`).join(', ');
    return this.startOperation<[InstallInput]>({
      workflowType: 'installCluster',
      operation: 'install',
      cluster: c.metadata.name,
      args: [input],
      summary: `install ${c.metadata.name}: ${c.spec.hosts.length} host${c.spec.hosts.length === 1 ? '' : 's'}, Kubernetes ${c.spec.kubernetesVersion}`,
      details: `**Cluster** ${c.metadata.name}  \n**Hosts** ${hosts}  \n**Endpoint** ${
        c.spec.controlPlaneEndpoint.mode === 'keepalived'
          ? `VIP ${c.spec.controlPlaneEndpoint.vip}`
          : c.spec.controlPlaneEndpoint.address
      }:${c.spec.controlPlaneEndpoint.port}`,
    });
  }

  handle(workflowId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(workflowId);
  }

  progress(workflowId: string): Promise<OperationProgress> {
    return this.handle(workflowId).query<OperationProgress>(QUERY_PROGRESS);
  }

  /** Approves or rejects the step an operation waits on; throws when nothing is waiting. */
  async decide(workflowId: string, decision: DecisionInput): Promise<DecisionResult> {
    try {
      return await this.handle(workflowId).executeUpdate<DecisionResult, [DecisionInput]>(UPDATE_DECIDE, {
        args: [{ identity: this.temporal.options.identity, ...decision }],
      });
    } catch (err) {
      // The validator's reason ("not waiting for an approval", "needs a reason") is the useful part.
      if (err instanceof WorkflowUpdateFailedError && err.cause)
        throw new DecisionRefusedError(workflowId, err.cause.message);
      throw err;
    }
  }

  result<T = SelfTestResult>(workflowId: string): Promise<T> {
    return this.handle(workflowId).result() as Promise<T>;
  }

  /** Lists hakube operations, newest first, optionally for one cluster / operation. */
  async list(
    filter: { cluster?: string; operation?: string; limit?: number } = {},
  ): Promise<OperationSummary[]> {
    const clauses = [`TaskQueue = '${this.taskQueue}'`];
    if (filter.cluster) clauses.push(`HakubeCluster = '${quote(filter.cluster)}'`);
    if (filter.operation) clauses.push(`HakubeOperation = '${quote(filter.operation)}'`);
    const out: OperationSummary[] = [];
    for await (const wf of this.temporal.workflow.list({ query: clauses.join(' AND ') })) {
      const attrs = wf.typedSearchAttributes;
      out.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        type: wf.type,
        cluster: attrs.get(HakubeCluster),
        operation: attrs.get(HakubeOperation),
        phase: attrs.get(HakubePhase),
        status: wf.status.name,
        startTime: wf.startTime,
        closeTime: wf.closeTime,
      });
      if (out.length >= (filter.limit ?? 100)) break;
    }
    return out;
  }
}

/** What the Web UI and `hakube ls` filter operations by; the workflow moves the phase on. */
export function operationSearchAttributes(cluster: string, operation: Operation): TypedSearchAttributes {
  return new TypedSearchAttributes([
    { key: HakubeCluster, value: cluster },
    { key: HakubeOperation, value: operation },
    { key: HakubePhase, value: 'starting' },
  ]);
}

/** A heartbeat's details as activities report them (activities/liveness.ts); anything else is ignored. */
function heartbeatDetails(value: unknown): StepDetails | undefined {
  return value && typeof value === 'object' ? (value as StepDetails) : undefined;
}

function quote(value: string): string {
  return value.replace(/'/g, "\\'");
}
