// hakube hosts scan -f cluster.yaml [--accept] [--json]: the host key every host of the spec (and
// its bastion and SFTP backup target) presents, with what known_hosts says of it. With the strict
// policy (the default) hakube connects only to hosts whose keys are recorded: compare the
// fingerprints with the hosts' own (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on each,
// from a console you trust), then record them with --accept.
import type { Command } from 'commander';
import { scanHostKeys, type ScannedHost } from '../../activities/ssh/host-key-scan';
import { sshTargetFor } from '../../activities/ssh-hosts';
import { sftpTargetHost } from '../../activities/backup/snapshot-store';
import type { SshTarget } from '../../activities/ssh';
import type { Cluster } from '../../cluster/spec';
import { printJson, printLines, table } from '../output';
import { loadClusterOrThrow } from '../spec-file';

/** The bastion first (hosts behind it are reached through it), then every host, then the SFTP target. */
export function scanTargets(cluster: Cluster): SshTarget[] {
  const hosts = cluster.spec.hosts.map((h) => sshTargetFor(cluster, h));
  const targets: SshTarget[] = [];
  const b = hosts[0]?.bastion;
  if (b)
    targets.push({
      ...hosts[0],
      name: `bastion ${b.address}`,
      address: b.address,
      port: b.port,
      bastion: undefined,
    });
  targets.push(...hosts);
  const backup = cluster.spec.etcd.backup?.target;
  if (backup?.type === 'sftp') {
    const sftp = sshTargetFor(cluster, sftpTargetHost(cluster, backup));
    if (!hosts.some((h) => h.address === sftp.address && h.port === sftp.port))
      targets.push({ ...sftp, name: `backup target ${sftp.name}` });
  }
  return targets;
}

export function registerHostsCommands(program: Command, setExit: (code: number) => void): void {
  const hosts = program.command('hosts').description("the spec's hosts as SSH sees them");
  hosts
    .command('scan')
    .description(
      'show the host key each host presents and whether known_hosts has it; --accept records unknown ones',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--accept', 'record the keys of hosts known_hosts has never seen (never changed or revoked ones)')
    .option('--json', 'print JSON')
    .action(async (flags: { file: string; accept?: boolean; json?: boolean }) => {
      const { cluster } = loadClusterOrThrow(flags.file);
      const scanned = await scanHostKeys(scanTargets(cluster), { accept: flags.accept });
      // 0 only when every host is known (or was just accepted): strict connections will work.
      const trusted = (s: ScannedHost) => s.status === 'known' || s.accepted === true;
      setExit(scanned.every(trusted) ? 0 : 1);
      if (flags.json)
        return printJson({
          knownHosts: sshTargetFor(cluster, cluster.spec.hosts[0]).knownHostsPath,
          hosts: scanned,
        });
      printLines(
        table([
          ['HOST', 'ADDRESS', 'KEY', 'FINGERPRINT', 'STATUS'],
          ...scanned.map((s) => [
            s.name,
            s.hostName,
            s.keyType ?? '-',
            s.fingerprint ?? '-',
            s.accepted
              ? 'accepted (recorded now)'
              : s.status === 'unreachable'
                ? `unreachable: ${s.error}`
                : s.status,
          ]),
        ]),
      );
      if (scanned.some((s) => s.status === 'unknown' && !s.accepted))
        printLines(['', "compare the fingerprints with the hosts' own, then run again with --accept"]);
      if (scanned.some((s) => s.status === 'changed' || s.status === 'revoked'))
        printLines([
          '',
          'a changed or revoked key is never recorded by hakube: find out why (reinstall? attack?) and edit known_hosts yourself',
        ]);
    });
}
