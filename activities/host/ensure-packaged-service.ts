// ensurePackagedService: a distribution-packaged daemon (haproxy, keepalived, containerd) whose
// unit we keep, with our config files: validate, place, reload or restart only on change.
import { ApplicationFailure } from '@temporalio/common';
import type { Host } from '../ssh';
import { verifyActive, type ServiceFile, type ServiceResult } from './ensure-service';

export const ConfigInvalid = 'ConfigInvalid';

export interface PackagedServiceSpec {
  unit: string;
  files: ServiceFile[];
  /** Command that validates the placed config (run before any restart). */
  validate?: string;
  /** Use `systemctl reload` instead of restart when the config changes (no dropped connections). */
  reload?: boolean;
}

export async function ensurePackagedService(host: Host, spec: PackagedServiceSpec): Promise<ServiceResult> {
  const installed = await host.exec(`systemctl cat ${spec.unit}.service >/dev/null 2>&1`);
  if (installed.exitCode !== 0) {
    throw ApplicationFailure.create({
      type: 'PackageMissing',
      message: `${spec.unit} is not installed on ${host.name} (install the ${spec.unit} package)`,
      nonRetryable: true,
    });
  }
  const changedFiles: string[] = [];
  for (const f of spec.files) {
    if ((await host.ensureFile(f.path, Buffer.from(f.content), { mode: f.mode ?? 0o644 })).changed)
      changedFiles.push(f.path);
  }
  if (spec.validate) {
    const check = await host.exec(spec.validate);
    if (check.exitCode !== 0) {
      throw ApplicationFailure.create({
        type: ConfigInvalid,
        message: `${spec.unit} refuses its configuration on ${host.name}: ${(check.stderr || check.stdout).trim()}`,
        nonRetryable: true,
      });
    }
  }
  await host.run(`systemctl enable ${spec.unit} >/dev/null 2>&1`);
  const active = (await host.exec(`systemctl is-active ${spec.unit}`)).stdout.trim() === 'active';
  let action: ServiceResult['action'] = 'none';
  if (!active) {
    await host.exec(`systemctl reset-failed ${spec.unit} 2>/dev/null; systemctl start ${spec.unit}`, {
      timeoutMs: 60_000,
    });
    action = 'started';
  } else if (changedFiles.length) {
    await host.run(`systemctl ${spec.reload ? 'reload' : 'restart'} ${spec.unit}`, { timeoutMs: 60_000 });
    action = 'restarted';
  }
  await verifyActive(host, spec.unit);
  return { unit: spec.unit, changedFiles, action };
}
