// hakube node add -f cluster.yaml --node NAME [--node NAME ...] [--parallel N] [--wait]
// hakube node remove -f cluster.yaml --node NAME [--yes] [--drain-timeout 5m] [--wait]
import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import {
  ADD_NODES_PHASES,
  clusterForJoin,
  JOIN_PHASES,
  joinBatch,
  joinRequestProblems,
} from '../../cluster/plan/join';
import { planPhases } from '../../cluster/plan/phases';
import { removalPlan, removalRefusals, REMOVE_PHASES } from '../../cluster/plan/remove';
import { hostByName } from '../../cluster/topology';
import { ROLES, type Cluster, type Role } from '../../cluster/spec';
import { validateClusterSpec } from '../../cluster/validate';
import type { AddNodesResult, NodeJoinOutcome } from '../../workflows/add-nodes';
import { withResolvedBundleDir } from '../bundle-dir';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import type { HakubeClient } from '../hakube-client';
import { printJson, printLines, table } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { followApproval, withApprovalFlags } from './approval-plan';
import { durationFlag } from './duration-flag';
import { DRY_RUN_STAMP, printDryRun } from './dry-run';
import { approvedInAdvanceBy } from './operations';
import { watchOperation } from './watch';
import { repeatable } from './flags';

interface AddFlags {
  file: string;
  node: string[];
  nodeAddress?: string;
  role: string[];
  parallel: string;
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
}

interface RemoveFlags {
  file: string;
  node: string;
  dryRun?: boolean;
  yes?: boolean;
  drainTimeout: string;
  hostDown?: boolean;
  /** The name operators of other tools know (kubespray's issues ask for it): the same as --host-down. */
  unreachable?: boolean;
  approvalTimeout: string;
  wait?: boolean;
  json?: boolean;
}

/** A node given on the command line (`--node-address`, `--role`) instead of in the spec file. */
function withNodeFromFlags(cluster: Cluster, flags: AddFlags): Cluster {
  if (!flags.nodeAddress) {
    if (flags.role.length) throw new InputError('--role goes with --node-address (a node not in the spec)');
    return cluster;
  }
  if (flags.node.length !== 1) throw new InputError('--node-address describes exactly one --node');
  const [name] = flags.node;
  if (cluster.spec.hosts.some((h) => h.name === name))
    throw new InputError(`${name} is already in the spec; drop --node-address and --role`);
  const roles = flags.role.length ? flags.role : ['worker'];
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length)
    throw new InputError(`--role: unknown ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`);
  const grown: Cluster = {
    ...cluster,
    spec: {
      ...cluster.spec,
      hosts: [...cluster.spec.hosts, { name, address: flags.nodeAddress, roles: roles as Role[] }],
    },
  };
  const problems = validateClusterSpec(grown).problems.filter((p) => p.severity === 'error');
  if (problems.length)
    throw new InputError(
      `with ${name} added the spec is invalid: ${problems.map((p) => p.message).join('; ')}`,
    );
  return grown;
}

function outcomeRows(outcomes: NodeJoinOutcome[]): string[] {
  return table([
    ['NODE', 'STATUS', 'TIME', 'ETCD MEMBER', 'READY', 'ERROR'],
    ...outcomes.map((o) => [
      o.node,
      o.status,
      o.durationMs === undefined ? '' : `${(o.durationMs / 1000).toFixed(1)} s`,
      o.result?.etcdMemberId ?? '',
      o.result?.ready ?? '',
      o.error ?? '',
    ]),
  ]);
}

/** After --wait: the per-node table (from the result, or from the failure's details). */
async function printOutcomes(client: HakubeClient, id: string, json?: boolean): Promise<void> {
  let outcomes: NodeJoinOutcome[] | undefined;
  try {
    outcomes = (await client.result<AddNodesResult>(id)).outcomes;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const details = (err.cause as { details?: unknown[] } | undefined)?.details?.[0] as
      { outcomes?: NodeJoinOutcome[] } | undefined;
    outcomes = details?.outcomes;
  }
  if (!outcomes) return;
  if (json) printJson({ workflowId: id, outcomes });
  else printLines(outcomeRows(outcomes));
}

export function registerNodeCommands(program: Command, setExit: (code: number) => void): void {
  const node = program.command('node').description('add nodes to a running cluster, or remove one');
  node
    .command('add')
    .description('join nodes: control-plane hosts one at a time, workers in parallel, each its own workflow')
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option(
      '--node <name>',
      'a host to join (repeatable); it is in spec.hosts, or described by --node-address',
      repeatable,
      [],
    )
    .option(
      '--node-address <address>',
      'address of a single --node that is not in the spec file (the global --address is the Temporal server)',
    )
    .option('--role <role>', `its role (repeatable; ${ROLES.join(', ')}; default worker)`, repeatable, [])
    .option('--parallel <n>', 'how many workers join at once', '5')
    .option('--dry-run', 'print the phases of the run and of each join; change nothing, connect nowhere')
    .option('--wait', 'follow it live until it ends, then print the time per node')
    .option('--json', 'print JSON')
    .action(async (flags: AddFlags, cmd: Command) => {
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 50)
        throw new InputError(`--parallel: a whole number 1-50, not "${flags.parallel}"`);
      const cluster = withNodeFromFlags(loadClusterOrThrow(flags.file).cluster, flags);
      const problems = joinRequestProblems(cluster, flags.node);
      if (problems.length) throw new InputError(problems.join('; '));
      if (flags.dryRun) {
        const batch = joinBatch(cluster, flags.node);
        return printDryRun(
          {
            what: `node add to ${cluster.metadata.name}`,
            plan: planPhases(ADD_NODES_PHASES, { cluster, nodes: flags.node }),
            children: [...batch.serial, ...batch.parallel].map((name) => {
              const view = clusterForJoin(cluster, batch, name);
              return {
                what: `join ${name}`,
                plan: planPhases(JOIN_PHASES, { cluster: view, node: hostByName(view, name) }),
              };
            }),
          },
          flags.json,
        );
      }
      await withClient(cmd, async (client) => {
        const started = await client.startAddNodes({
          cluster: withResolvedBundleDir(cluster),
          nodes: flags.node,
          parallel,
        });
        if (flags.json && !flags.wait) printJson(started);
        else if (!flags.json)
          printLines([
            `${started.started ? 'started' : 'attached to running'} ${started.workflowId} (${flags.node.join(', ')})`,
            `  follow: hakube watch ${started.workflowId}`,
          ]);
        if (!flags.wait) return;
        setExit(await watchOperation(client, started.workflowId, { json: flags.json }));
        await printOutcomes(client, started.workflowId, flags.json);
      });
    });

  withApprovalFlags(node.command('remove'))
    .description(
      'remove a node after approval: drain, etcd member, load balancers, then its services and data (moved aside)',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML) that still lists the node')
    .requiredOption('--node <name>', 'the host to remove')
    .option(
      '--drain-timeout <duration>',
      'how long the drain may take; then the removal stops (node cordoned)',
      '5m',
    )
    .option(
      '--host-down',
      'the host is down and stays down: run nothing on it (no drain, stop or reset); its etcd member goes through the others',
    )
    .option('--unreachable', 'the same as --host-down')
    .action(async (flags: RemoveFlags, cmd: Command) => {
      if (flags.unreachable) flags.hostDown = true;
      const { cluster } = loadClusterOrThrow(flags.file);
      const refusals = removalRefusals(cluster, flags.node);
      if (refusals.length) throw new InputError(refusals.join('; '));
      const drainTimeoutSeconds = Math.ceil(durationFlag(flags.drainTimeout, '--drain-timeout') / 1000);
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      if (flags.dryRun) {
        const host = hostByName(cluster, flags.node);
        return printDryRun(
          {
            what: `removal of ${flags.node} from ${cluster.metadata.name}`,
            plan: planPhases(REMOVE_PHASES, { cluster, node: host, hostDown: flags.hostDown }),
            approval: removalPlan(cluster, host, DRY_RUN_STAMP, drainTimeoutSeconds, flags.hostDown),
          },
          flags.json,
        );
      }
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startRemoveNode({
          cluster,
          node: flags.node,
          approvedBy,
          approvalTimeoutMs,
          drainTimeoutSeconds,
          ...(flags.hostDown ? { hostDown: true } : {}),
        });
        await followApproval(client, started, flags, `removal of ${flags.node}`, setExit);
      });
    });
}
