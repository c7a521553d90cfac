// Where the worker serves Prometheus metrics: HAKUBE_METRICS_ADDRESS (the CLI's --metrics),
// on 127.0.0.1:9464 unless told otherwise — loopback, because the endpoint has no
// authentication; `0.0.0.0:9464` exposes it on purpose, `off` turns it off.
import { WorkerSettingsError } from '../settings-error';

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/** How often the metrics read from Temporal visibility (approvals, operations) are refreshed. */
export const DEFAULT_REFRESH_MS = 30_000;

export interface MetricsSettings {
  /** An IP literal and port: what the SDK's exporter binds (it takes no host names). */
  address: string;
  /** Given by the user: a port in use is then an error, not a warning. */
  explicit: boolean;
  refreshMs: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/** `9464` → 127.0.0.1:9464, `localhost:9464` → 127.0.0.1:9464, `[::1]:9464`, `0.0.0.0:9464`. */
export function parseMetricsAddress(value: string): string {
  const text = value.trim();
  const bare = /^\d+$/.test(text) ? `127.0.0.1:${text}` : text;
  const m = /^(.*):(\d+)$/.exec(bare);
  const host = m?.[1] === 'localhost' ? '127.0.0.1' : m?.[1];
  const port = Number(m?.[2]);
  if (!host || !(IPV4.test(host) || IPV6.test(host)) || !(port >= 1 && port <= 65_535))
    throw new WorkerSettingsError(
      `HAKUBE_METRICS_ADDRESS / --metrics: ${JSON.stringify(value)} is not IP:PORT (e.g. ${DEFAULT_METRICS_ADDRESS}) or "off"`,
    );
  return `${host}:${port}`;
}

/** undefined: metrics off. */
export function metricsSettingsFromEnv(env: NodeJS.ProcessEnv): MetricsSettings | undefined {
  const raw = env.HAKUBE_METRICS_ADDRESS?.trim();
  if (raw && /^(off|none|false|0)$/i.test(raw)) return undefined;
  const refresh = Number(env.HAKUBE_METRICS_REFRESH_SECONDS ?? '');
  return {
    address: raw ? parseMetricsAddress(raw) : DEFAULT_METRICS_ADDRESS,
    explicit: Boolean(raw),
    refreshMs: Number.isFinite(refresh) && refresh > 0 ? refresh * 1000 : DEFAULT_REFRESH_MS,
  };
}
