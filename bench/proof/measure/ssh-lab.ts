// A 1-machine lab as an SSH target, for the SSH benchmark (the CLI's --lab and `bench/ssh`).
import type { SshTarget } from '../../../activities/ssh';
import { labDown, labUp } from '../../../lab';

export async function openSshLab(
  name: string,
  log: (line: string) => void = () => {},
): Promise<{ target: SshTarget; close: () => Promise<void> }> {
  await labDown({ name }).catch(() => undefined); // a leftover of a crashed run
  const info = await labUp({ name, masters: 1, workers: 0, onProgress: (l) => log(`[lab] ${l}`) });
  const target: SshTarget = {
    name: 'master-1',
    address: info.hosts[0].address,
    port: 22,
    user: 'root',
    privateKeyPath: info.sshKeyPath,
    knownHostsPath: info.knownHostsPath,
    hostKeyPolicy: 'strict',
  };
  return { target, close: () => labDown({ name }) };
}
