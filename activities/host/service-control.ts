// Stopping and starting units that are already installed (a restore, a rolling restart):
// idempotent, and starting does not wait for readiness; the caller's health gate does.
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { reportProgress } from '../liveness';
import { shq } from '../ssh/shell';
import { stopUnit, unitState, verifyActive } from './ensure-service';

export interface UnitsInput extends HostInput {
  units: string[];
}

export function createServiceControlActivities(deps: { hosts: HostProvider }) {
  return {
    /** Stops each unit (in the order given); returns those that were running. */
    async stopServices(input: UnitsInput): Promise<{ stopped: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const stopped: string[] = [];
      for (const unit of input.units) {
        const { before, after } = await stopUnit(host, unit, (output) =>
          reportProgress({ step: `stop/${input.host}`, output }),
        );
        if (before === 'active' || before === 'activating' || before === 'reloading') stopped.push(unit);
        if (after === 'active' || after === 'deactivating')
          throw new Error(`${input.host}: ${unit} is still ${after} after systemctl stop`);
      }
      return { stopped };
    },

    /** Restarts each unit in order and waits for each to be active again (a rolling restart's step). */
    async restartServices(input: UnitsInput): Promise<{ restarted: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      for (const unit of input.units) {
        reportProgress({ step: `restart/${input.host}`, output: `systemctl restart ${unit}` });
        await host.run(`systemctl restart ${shq(unit)}`, { timeoutMs: 120_000 });
        await verifyActive(host, unit);
      }
      return { restarted: input.units };
    },

    /** Starts each unit that is not running, without waiting (etcd members wait for each other). */
    async startServices(input: UnitsInput): Promise<{ started: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const started: string[] = [];
      for (const unit of input.units) {
        const state = await unitState(host, unit);
        if (state === 'active' || state === 'activating') continue;
        await host.run(
          `systemctl reset-failed ${shq(unit)} 2>/dev/null; systemctl start --no-block ${shq(unit)}`,
        );
        started.push(unit);
      }
      return { started };
    },
  };
}
