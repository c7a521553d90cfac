// What users see during an upgrade, measured from outside the cluster (this process): a Service
// answering through every node's NodePort, and the apiserver's /readyz through the VIP. Plain
// node:http(s), a new connection per request (no keep-alive), so each request goes through the
// node's kube-proxy rules and each /readyz through keepalived to whichever apiserver answers.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

interface Sample {
  /** ms since the epoch, when the request was sent. */
  at: number;
  ok: boolean;
  /** The node (Service probe) or "vip" (API probe) asked. */
  target: string;
  /** What answered (the pod's hostname), or why not. */
  detail: string;
}

export interface ProbeFigures {
  requests: number;
  failed: number;
  /** Failed requests per target. */
  failedPer: Record<string, number>;
  firstFailure?: string;
  lastFailure?: string;
  /** ok / total in %, two decimals. */
  availabilityPct: number;
  /** Up to 20 failures (time, target, why), for the record. */
  failures: { at: string; target: string; detail: string }[];
}

export interface Probe {
  stop(): Promise<ProbeFigures>;
}

const TIMEOUT_MS = 2000;

type Request = (target: string) => Promise<{ ok: boolean; detail: string }>;

/** One GET, settled within TIMEOUT_MS: ok when the status is 200. */
function getOnce(
  get: typeof httpGet,
  url: string,
  options: Record<string, unknown> = {},
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = get(url, { ...options, agent: false, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({ ok: res.statusCode === 200, detail: `${res.statusCode} ${body.slice(0, 60)}` }),
      );
      res.on('error', (e) => resolve({ ok: false, detail: e.message }));
    });
    // A whole-request bound too: `timeout` alone only fires on an idle socket.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ ok: false, detail: e.message }));
    req.on('close', () => clearTimeout(timer));
  });
}

function summarize(samples: Sample[]): ProbeFigures {
  const failed = samples.filter((s) => !s.ok);
  const failedPer: Record<string, number> = {};
  for (const f of failed) failedPer[f.target] = (failedPer[f.target] ?? 0) + 1;
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    requests: samples.length,
    failed: failed.length,
    failedPer,
    ...(failed.length
      ? { firstFailure: iso(failed[0].at), lastFailure: iso(failed[failed.length - 1].at) }
      : {}),
    availabilityPct: samples.length
      ? Math.round(((samples.length - failed.length) / samples.length) * 10_000) / 100
      : 0,
    failures: failed
      .slice(0, 20)
      .map((f) => ({ at: iso(f.at) as string, target: f.target, detail: f.detail })),
  };
}

/** Asks `request` of the targets in turn every `everyMs` (requests may overlap) until stopped. */
function startProbe(targets: string[], everyMs: number, request: Request): Probe {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let i = 0;
  const timer = setInterval(() => {
    const target = targets[i++ % targets.length];
    const at = Date.now();
    const p = request(target).then((r) => {
      samples.push({ at, ok: r.ok, target, detail: r.detail });
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return summarize(samples.sort((a, b) => a.at - b.at));
    },
  };
}

/** GET http://<node>:<nodePort>/hostname, round-robin over `nodes` (name → address), every 200 ms. */
export function serviceProbe(nodes: Record<string, string>, nodePort: number): Probe {
  return startProbe(Object.keys(nodes), 200, (name) =>
    getOnce(httpGet, `http://${nodes[name]}:${nodePort}/hostname`),
  );
}

/**
 * GET https://<vip>:<port><path> (anonymous, verified with the cluster CA), every 500 ms: /readyz
 * (does the endpoint send requests to a ready apiserver) or /version (does a request get served).
 */
export function apiProbe(vip: string, port: number, ca: string, path = '/readyz'): Probe {
  return startProbe(['vip'], 500, () =>
    getOnce(httpsGet as typeof httpGet, `https://${vip}:${port}${path}`, { ca }),
  );
}
