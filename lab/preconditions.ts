// What the lab needs from the machine it runs on; clear errors instead of half-built labs.
import { tryRun } from './exec';

export class LabPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabPreconditionError';
  }
}

const TOOLS = [
  'systemd-nspawn',
  'debootstrap',
  'ip',
  'iptables',
  'ssh',
  'ssh-keygen',
  'ssh-keyscan',
  'mount',
  'pgrep',
];

export async function checkLabPreconditions(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LabPreconditionError(
      'the lab needs root (it creates bridges, network namespaces, mounts and machines): run it as root, after `bash scripts/setup.sh`',
    );
  }
  const missing: string[] = [];
  for (const tool of TOOLS)
    if ((await tryRun('sh', ['-c', `command -v ${tool}`])).code !== 0) missing.push(tool);
  if (missing.length) {
    throw new LabPreconditionError(
      `missing tools: ${missing.join(', ')}; run \`bash scripts/setup.sh\` (it installs systemd-container, debootstrap, ...)`,
    );
  }
}
