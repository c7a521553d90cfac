// hakube's lab: local machines that look like real servers (systemd, sshd, their own network
// and disk) for the demo and the tests. See lab/README.md.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeName, checkName, hostNames, hostOfMachine, labDir, LabInputError } from './names';
import { removeLabCgroups } from './cgroups';
import { basePath, ensureBase } from './base';
import {
  ensureBridge,
  ensureMachineNetwork,
  isPartitioned,
  pickSubnet,
  prepareHostKernel,
  removeBridge,
  removeMachineNetwork,
  setPartitioned,
} from './network';
import {
  ensureOverlay,
  machinePid,
  removeMachineFiles,
  startMachine,
  stopMachine,
  stopPid,
  strayMachinePids,
  unmountMachine,
  writeMachineFiles,
} from './machine';
import { ensureLabKey, keyPath, knownHostsPath, recordHostKeys, waitForBoot } from './access';
import { addressFor, listLabs, readLab, writeLab, type LabRecord } from './state';
import { renderLabSpec } from './spec';
import { checkLabPreconditions } from './preconditions';

export { LabInputError } from './names';
export type LabProgress = (line: string) => void;

export interface LabHostInfo {
  name: string;
  role: 'master' | 'worker';
  address: string;
  running: boolean;
  partitioned: boolean;
  pid?: number;
  bootState?: string;
  failedUnits?: string[];
}

export interface LabInfo {
  name: string;
  subnet: string;
  bridge: string;
  vip: string;
  sshKeyPath: string;
  knownHostsPath: string;
  specPath: string;
  hosts: LabHostInfo[];
  notes: string[];
}

const MAX_MASTERS = 7;
const MAX_WORKERS = 60;

function requireLab(name: string): LabRecord {
  const lab = readLab(checkName('lab', name));
  if (!lab) throw new LabInputError(`no lab named ${name} (see \`hakube lab status\`)`);
  return lab;
}

function requireHost(lab: LabRecord, host: string) {
  const h = lab.hosts.find((x) => x.name === host);
  if (!h)
    throw new LabInputError(
      `lab ${lab.name} has no host ${host} (hosts: ${lab.hosts.map((x) => x.name).join(', ')})`,
    );
  return h;
}

async function describe(lab: LabRecord, notes: string[] = []): Promise<LabInfo> {
  const hosts = await Promise.all(
    lab.hosts.map(async (h) => {
      const pid = machinePid(lab.name, h.name);
      return { ...h, running: pid !== undefined, pid, partitioned: await isPartitioned(lab.name, h.name) };
    }),
  );
  return {
    name: lab.name,
    subnet: `${lab.subnet}.0/24`,
    bridge: bridgeName(lab.name),
    vip: lab.vip,
    sshKeyPath: keyPath(lab.name),
    knownHostsPath: knownHostsPath(lab.name),
    specPath: join(labDir(lab.name), 'cluster.yaml'),
    hosts,
    notes,
  };
}

export async function labUp(opts: {
  name: string;
  masters: number;
  workers: number;
  out?: string;
  onProgress?: LabProgress;
}): Promise<LabInfo> {
  const log = opts.onProgress ?? (() => {});
  const name = checkName('lab', opts.name);
  if (!Number.isInteger(opts.masters) || opts.masters < 1 || opts.masters > MAX_MASTERS)
    throw new LabInputError(`--masters must be 1-${MAX_MASTERS}`);
  if (!Number.isInteger(opts.workers) || opts.workers < 0 || opts.workers > MAX_WORKERS)
    throw new LabInputError(`--workers must be 0-${MAX_WORKERS}`);
  await checkLabPreconditions();

  const notes = await prepareHostKernel();
  notes.forEach((n) => log(`note: ${n}`));
  const existing = readLab(name);
  const base =
    existing?.base && existsSync(join(existing.base, 'etc/os-release'))
      ? existing.base
      : await ensureBase(log);
  const others = listLabs()
    .filter((l) => l !== name)
    .map((l) => readLab(l)?.subnet)
    .filter((s): s is string => !!s);
  const subnet = existing?.subnet ?? (await pickSubnet(name, others));
  const wanted = hostNames(opts.masters, opts.workers);
  const lab: LabRecord = {
    name,
    subnet,
    vip: `${subnet}.10`,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    base,
    hosts: wanted.map((h) => ({ name: h.name, role: h.role, address: addressFor(subnet, h.role, h.index) })),
  };
  // Hosts of an earlier `lab up` with larger counts are removed: the lab is what was asked for.
  for (const gone of existing?.hosts.filter((h) => !wanted.some((w) => w.name === h.name)) ?? []) {
    log(`removing ${gone.name} (not in the requested size)`);
    await removeHost(name, gone.name);
  }
  writeLab(lab);
  const publicKey = await ensureLabKey(name);
  await ensureBridge(name, subnet);
  log(`lab ${name}: ${subnet}.0/24 on bridge ${bridgeName(name)}, VIP ${lab.vip}`);

  await Promise.all(
    lab.hosts.map(async (h) => {
      await ensureMachineNetwork(name, h.name, h.address);
      await ensureOverlay(name, h.name, base);
      writeMachineFiles({
        lab: name,
        host: h.name,
        address: h.address,
        peers: lab.hosts,
        authorizedKey: publicKey,
      });
      const wasRunning = machinePid(name, h.name) !== undefined;
      await startMachine(name, h.name);
      log(`${h.name} ${h.address}: ${wasRunning ? 'already running' : 'booting'}`);
    }),
  );
  const boots = await Promise.all(
    lab.hosts.map(async (h) => {
      const boot = await waitForBoot(name, h.name, h.address);
      log(
        `${h.name}: ${boot.state}${boot.failedUnits.length ? ` (failed: ${boot.failedUnits.join(', ')})` : ''}`,
      );
      return { host: h.name, ...boot };
    }),
  );
  await recordHostKeys(
    name,
    lab.hosts.map((h) => h.address),
  );
  const info = await describe(lab, notes);
  const specPath = opts.out ?? info.specPath;
  writeFileSync(specPath, renderLabSpec(lab));
  if (specPath !== info.specPath && !existsSync(info.specPath))
    writeFileSync(info.specPath, renderLabSpec(lab));
  log(`cluster spec written to ${specPath}`);
  for (const h of info.hosts) {
    const b = boots.find((x) => x.host === h.name);
    h.bootState = b?.state;
    h.failedUnits = b?.failedUnits;
  }
  return { ...info, specPath };
}

async function removeHost(lab: string, host: string): Promise<void> {
  await stopMachine(lab, host);
  await unmountMachine(lab, host);
  await removeMachineNetwork(lab, host);
  removeMachineFiles(lab, host);
}

/** Tears everything down, including what a crashed run left behind without state. */
export async function labDown(opts: { name: string; onProgress?: LabProgress }): Promise<void> {
  const log = opts.onProgress ?? (() => {});
  const name = checkName('lab', opts.name);
  await checkLabPreconditions();
  const lab = readLab(name);
  await Promise.all(
    (lab?.hosts ?? []).map(async (h) => {
      await removeHost(name, h.name);
      log(`${h.name}: stopped and removed`);
    }),
  );
  for (const pid of await strayMachinePids(name)) {
    log(`stopping stray machine process ${pid}`);
    await stopPid(pid);
  }
  await removeStrays(name);
  await removeBridge(name);
  rmSync(labDir(name), { recursive: true, force: true });
  log(`lab ${name} removed`);
}

/** Mounts and namespaces named after the lab that no record mentions (a crash between steps). */
async function removeStrays(lab: string): Promise<void> {
  const prefix = join(labDir(lab), 'hosts');
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[1];
    if (mountPoint?.startsWith(`${prefix}/`))
      await unmountMachine(lab, mountPoint.slice(prefix.length + 1).split('/')[0]);
  }
  for (const ns of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    const host = hostOfMachine(lab, ns, 'hakube-');
    if (host) await removeMachineNetwork(lab, host);
  }
  removeLabCgroups(lab);
}

export async function labStatus(opts: { name?: string } = {}): Promise<LabInfo[]> {
  const names = opts.name ? [checkName('lab', opts.name)] : listLabs();
  const labs = names.map((n) => readLab(n)).filter((l): l is LabRecord => l !== undefined);
  if (opts.name && labs.length === 0) throw new LabInputError(`no lab named ${opts.name}`);
  return Promise.all(labs.map((l) => describe(l)));
}

export async function labStopHost(name: string, host: string): Promise<void> {
  const lab = requireLab(name);
  requireHost(lab, host);
  await stopMachine(lab.name, host);
}

export async function labStartHost(name: string, host: string): Promise<void> {
  const lab = requireLab(name);
  const h = requireHost(lab, host);
  await checkLabPreconditions();
  await ensureMachineNetwork(lab.name, host, h.address);
  await ensureOverlay(lab.name, host, lab.base ?? basePath());
  await startMachine(lab.name, host);
  await waitForBoot(lab.name, host, h.address);
}

export async function labPartition(name: string, host: string): Promise<void> {
  const lab = requireLab(name);
  requireHost(lab, host);
  await setPartitioned(lab.name, host, true);
}

export async function labHeal(name: string, host: string): Promise<void> {
  const lab = requireLab(name);
  requireHost(lab, host);
  await setPartitioned(lab.name, host, false);
}
