// ensureService: place a systemd unit and its config files, reload/enable/start or restart
// only when something changed, then verify the unit is active (with its journal on failure).
import { ApplicationFailure } from '@temporalio/common';
import { unitPath } from '../../cluster/layout';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';

export interface ServiceFile {
  path: string;
  content: string;
  mode?: number;
}

export interface ServiceSpec {
  unit: string;
  unitContent: string;
  files?: ServiceFile[];
  /** Start without waiting for readiness (etcd members of a forming cluster wait for each other). */
  noBlock?: boolean;
}

export interface ServiceResult {
  unit: string;
  changedFiles: string[];
  action: 'none' | 'started' | 'restarted';
}

export const ServiceFailed = 'ServiceFailed';

/** `systemctl is-active`: active, activating, deactivating, inactive, failed, ... */
export async function unitState(host: Host, unit: string): Promise<string> {
  return (await host.exec(`systemctl is-active ${shq(unit)}`)).stdout.trim();
}

/**
 * `systemctl stop` (a unit that is not running, or not installed, is not an error), with the
 * unit's state before and after; `say` reports the stop while it runs (an apiserver drains).
 */
export async function stopUnit(
  host: Host,
  unit: string,
  say: (line: string) => void,
): Promise<{ before: string; after: string }> {
  const before = await unitState(host, unit);
  say(`systemctl stop ${unit} (was ${before})`);
  await host.run(`systemctl stop ${shq(unit)} 2>/dev/null || true`, { timeoutMs: 120_000 });
  return { before, after: await unitState(host, unit) };
}

async function journalTail(host: Host, unit: string): Promise<string> {
  const r = await host.exec(`journalctl -u ${unit} -n 25 --no-pager -o cat 2>/dev/null`);
  return r.stdout.trim();
}

export async function ensureService(host: Host, spec: ServiceSpec): Promise<ServiceResult> {
  const changedFiles: string[] = [];
  for (const f of spec.files ?? []) {
    const r = await host.ensureFile(f.path, Buffer.from(f.content), { mode: f.mode ?? 0o644 });
    if (r.changed) changedFiles.push(f.path);
  }
  const unitFile = unitPath(spec.unit);
  const unitChanged = (await host.ensureFile(unitFile, Buffer.from(spec.unitContent), { mode: 0o644 }))
    .changed;
  if (unitChanged) {
    changedFiles.push(unitFile);
    await host.run('systemctl daemon-reload');
  }
  await host.run(`systemctl enable ${spec.unit} >/dev/null 2>&1 || systemctl enable ${spec.unit}`);
  const active = await unitState(host, spec.unit);
  const block = spec.noBlock ? ' --no-block' : '';
  let action: ServiceResult['action'] = 'none';
  if (active !== 'active' && active !== 'activating') {
    await host.exec(`systemctl reset-failed ${spec.unit} 2>/dev/null; systemctl start${block} ${spec.unit}`, {
      timeoutMs: 120_000,
    });
    action = 'started';
  } else if (changedFiles.length > 0) {
    await host.exec(`systemctl restart${block} ${spec.unit}`, { timeoutMs: 120_000 });
    action = 'restarted';
  }
  if (!spec.noBlock) await verifyActive(host, spec.unit);
  return { unit: spec.unit, changedFiles, action };
}

/** Waits a little for the unit to settle; a unit that keeps failing is reported with its journal. */
export async function verifyActive(host: Host, unit: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    state = await unitState(host, unit);
    if (state === 'active') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw ApplicationFailure.create({
    type: ServiceFailed,
    message: `${unit} is ${state || 'not active'} on ${host.name}:\n${await journalTail(host, unit)}`,
  });
}
