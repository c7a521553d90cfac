// Lab names and the host-side names derived from them (Linux interface names are at most 15
// characters, so bridge and veth names carry a short hash instead of the full names).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { homedir } from 'node:os';

export class LabInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabInputError';
  }
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

export function checkName(kind: string, name: string): string {
  if (!NAME.test(name))
    throw new LabInputError(`${kind} name "${name}" must match ${NAME} (lower case, digits, "-")`);
  return name;
}

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

export const bridgeName = (lab: string) => `hkb${short(lab)}`;
export const vethName = (lab: string, host: string) => `hkv${short(`${lab}/${host}`)}`;
export const netnsName = (lab: string, host: string) => `hakube-${lab}-${host}`;
export const machineName = (lab: string, host: string) => `${lab}-${host}`;

/** Lab host names (see hostNames): they tell lab "t" apart from lab "t-lab" in derived names. */
export const HOST_NAME_PATTERN = '(master|worker)-[0-9]+';

/** The host a derived name (`<prefix><lab>-<host>`) belongs to, if it is one of this lab's. */
export function hostOfMachine(lab: string, derived: string, prefix = ''): string | undefined {
  if (!derived.startsWith(`${prefix}${lab}-`)) return undefined;
  const host = derived.slice(prefix.length + lab.length + 1);
  return new RegExp(`^${HOST_NAME_PATTERN}$`).test(host) ? host : undefined;
}

export function hakubeHome(): string {
  return process.env.HAKUBE_HOME ?? join(homedir(), '.hakube');
}

export function hakubeCache(): string {
  return (
    process.env.HAKUBE_CACHE ??
    (process.getuid?.() === 0 ? '/var/cache/hakube' : join(homedir(), '.cache', 'hakube'))
  );
}

export const labDir = (lab: string) => join(hakubeHome(), 'labs', lab);
export const hostDir = (lab: string, host: string) => join(labDir(lab), 'hosts', host);

/** master-1..N (control-plane + etcd), worker-1..M. */
export function hostNames(
  masters: number,
  workers: number,
): { name: string; role: 'master' | 'worker'; index: number }[] {
  return [
    ...Array.from({ length: masters }, (_, i) => ({
      name: `master-${i + 1}`,
      role: 'master' as const,
      index: i,
    })),
    ...Array.from({ length: workers }, (_, i) => ({
      name: `worker-${i + 1}`,
      role: 'worker' as const,
      index: i,
    })),
  ];
}
