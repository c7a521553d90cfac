// Validation of a cluster spec: the schema first, then the cross-field checks a runbook
// author would do by eye (unique hosts, etcd quorum, VIP placement, CIDR overlaps, DNS).
// Pure: file-system checks (SSH keys) are added by the caller that reads the file.
import type { z } from 'zod';
import { clusterSpecSchema, type Cluster } from './spec';
import { error, formatPath, warning, type PathSegment, type Problem } from './problems';
import {
  cidrContains,
  cidrsOverlap,
  cidrSize,
  formatIPv4,
  firstServiceIP,
  LINK_LOCAL,
  LOOPBACK,
  networkOf,
  parseCidr,
  parseIPv4,
  type Cidr,
} from './net';
import { cronProblem } from './cron';
import { parseDuration } from './duration';
import { MAX_ADDON_READY_TIMEOUT_MS } from './manifests/addons';
import { hookProblems } from './validate-hooks';

export interface ValidationResult {
  cluster?: Cluster;
  problems: Problem[];
}

/** Validates an already-parsed document (e.g. from YAML). */
export function validateClusterSpec(doc: unknown): ValidationResult {
  const parsed = clusterSpecSchema.safeParse(doc);
  const problems = parsed.success ? [] : parsed.error.issues.flatMap(issueToProblems);
  problems.push(...semanticProblems(doc));
  problems.push(...hookProblems(doc, parsed.success ? parsed.data : undefined));
  const unique = dedupe(problems);
  return {
    cluster: parsed.success && !unique.some((p) => p.severity === 'error') ? parsed.data : undefined,
    problems: unique,
  };
}

/**
 * What makes a spec safe to act on, without the cross-field judgement `validateClusterSpec` adds
 * (quorum, overlaps, renewal windows): the schema's anchored allow-lists and no control
 * character anywhere. The worker checks this on every spec it is handed; a test or a deliberate
 * operation may still hand it a spec the CLI would call unwise.
 */
export function specShapeProblems(doc: unknown): Problem[] {
  const parsed = clusterSpecSchema.safeParse(doc);
  return dedupe([
    ...(parsed.success ? [] : parsed.error.issues.flatMap(issueToProblems)),
    ...hookProblems(doc, parsed.success ? parsed.data : undefined),
    ...controlCharacterProblems(doc),
  ]);
}

function issueToProblems(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => error([...path, k], 'unknown field'));
  }
  // A record's key refused by its own rule: that rule's message, at the key's path.
  if (issue.code === 'invalid_key') return [error(path, issue.issues[0]?.message ?? issue.message)];
  // zod reports no input: its default message stands for a missing field; a field's own message is kept.
  if (
    issue.code === 'invalid_type' &&
    issue.input === undefined &&
    issue.message.startsWith('Invalid input')
  ) {
    return [error(path, 'is required')];
  }
  return [error(path, issue.message)];
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.severity}|${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- cross-field checks, written defensively over the raw document so that they run even
// when the schema found problems elsewhere (every problem is reported at once).

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

interface RawHost {
  index: number;
  name?: string;
  address?: string;
  ip?: number;
  roles: string[];
}

function rawHosts(spec: Obj): RawHost[] {
  const hosts = Array.isArray(spec.hosts) ? spec.hosts : [];
  return hosts.map((h, index) => {
    const o = obj(h);
    const address = str(o.address);
    return {
      index,
      name: str(o.name),
      address,
      ip: address === undefined ? undefined : parseIPv4(address),
      roles: Array.isArray(o.roles) ? o.roles.filter((r): r is string => typeof r === 'string') : [],
    };
  });
}

/** Spec fields holding a whole file (written as a file of its own, see render/user-documents.ts). */
const WHOLE_FILE_FIELDS = new Set([
  'spec.components.apiserver.auditPolicy',
  'spec.components.apiserver.admissionConfiguration',
]);

/**
 * Control characters (a newline above all) in any string or key of the document: each field's
 * own rule may be looser, but a newline is what turns a value into an extra line of a unit or a
 * config file, so none passes anywhere.
 */
function controlCharacterProblems(value: unknown, path: PathSegment[] = []): Problem[] {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/;
  if (typeof value === 'string') {
    // Whole YAML files of their own (never a line of a unit): lines and tabs are their content.
    if (WHOLE_FILE_FIELDS.has(formatPath(path)))
      // eslint-disable-next-line no-control-regex
      return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)
        ? [error(path, 'must not contain control characters other than newline and tab')]
        : [];
    return control.test(value)
      ? [error(path, 'must not contain control characters (newline, tab, ...)')]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => controlCharacterProblems(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value as Obj).flatMap(([k, v]) =>
      control.test(k)
        ? [error([...path, k], 'field name must not contain control characters')]
        : controlCharacterProblems(v, [...path, k]),
    );
  return [];
}

function semanticProblems(doc: unknown): Problem[] {
  const spec = obj(obj(doc).spec);
  const hosts = rawHosts(spec);
  const network = obj(spec.network);
  const problems: Problem[] = controlCharacterProblems(doc);
  problems.push(...hostProblems(hosts));
  const cidrs = networkProblems(network, hosts, problems);
  problems.push(...endpointProblems(obj(spec.controlPlaneEndpoint), hosts, cidrs));
  problems.push(...certificateProblems(obj(spec.certificates)));
  problems.push(...artifactProblems(obj(spec.artifacts)));
  problems.push(...imageProblems(obj(spec.images), obj(spec.artifacts), network));
  problems.push(...etcdProblems(obj(spec.etcd)));
  problems.push(...addonProblems(obj(spec.addons)));
  return problems;
}

function hostProblems(hosts: RawHost[]): Problem[] {
  const problems: Problem[] = [];
  const byName = new Map<string, RawHost>();
  const byAddress = new Map<string, RawHost>();
  for (const h of hosts) {
    const at = (field: string): PathSegment[] => ['spec', 'hosts', h.index, field];
    if (h.name !== undefined) {
      const other = byName.get(h.name);
      if (other) problems.push(error(at('name'), `${h.name} is already used by spec.hosts[${other.index}]`));
      else byName.set(h.name, h);
    }
    if (h.address !== undefined) {
      if (h.ip === undefined) {
        problems.push(error(at('address'), `${h.address} is not an IPv4 address`));
      } else {
        if (cidrContains(LOOPBACK, h.ip))
          problems.push(error(at('address'), `${h.address} is a loopback address`));
        const key = formatIPv4(h.ip);
        const other = byAddress.get(key);
        if (other) {
          problems.push(
            error(
              at('address'),
              `${h.address} is already used by ${other.name ?? `spec.hosts[${other.index}]`}`,
            ),
          );
        } else byAddress.set(key, h);
      }
    }
    const seenRoles = new Set<string>();
    for (const r of h.roles) {
      if (seenRoles.has(r)) problems.push(error(at('roles'), `role ${r} is listed twice`));
      seenRoles.add(r);
    }
  }
  if (hosts.length > 0) {
    if (!hosts.some((h) => h.roles.includes('control-plane'))) {
      problems.push(error(['spec', 'hosts'], 'no host has the control-plane role'));
    }
    const etcdCount = hosts.filter((h) => h.roles.includes('etcd')).length;
    if (etcdCount === 0) problems.push(error(['spec', 'hosts'], 'no host has the etcd role'));
    else if (etcdCount % 2 === 0) {
      problems.push(
        warning(
          ['spec', 'hosts'],
          `${etcdCount} etcd members tolerate no more failures than ${etcdCount - 1}; use an odd count (1, 3, 5 or 7)`,
        ),
      );
    } else if (etcdCount > 7) {
      problems.push(
        warning(['spec', 'hosts'], `${etcdCount} etcd members slow every write; 3, 5 or 7 are usual`),
      );
    }
  }
  return problems;
}

interface NetworkCidrs {
  pod?: Cidr;
  service?: Cidr;
}

function networkProblems(network: Obj, hosts: RawHost[], problems: Problem[]): NetworkCidrs {
  const at = (field: string): PathSegment[] => ['spec', 'network', field];
  const cidrField = (field: string, fallback: string): Cidr | undefined => {
    const text = str(network[field]) ?? (network[field] === undefined ? fallback : undefined);
    if (text === undefined) return undefined; // wrong type: the schema reports it
    const cidr = parseCidr(text);
    if (!cidr)
      problems.push(
        error(at(field), `${text} is not an IPv4 CIDR with its host bits zero (e.g. 10.96.0.0/16)`),
      );
    return cidr;
  };
  const pod = cidrField('podCIDR', '10.244.0.0/16');
  const service = cidrField('serviceCIDR', '10.96.0.0/16');
  if (service && service.prefix < 12) {
    problems.push(
      error(at('serviceCIDR'), `${service.text} is larger than /12, which kube-apiserver refuses`),
    );
  }
  if (pod && pod.prefix > 24) {
    problems.push(
      error(at('podCIDR'), `${pod.text} is smaller than /24 and leaves no room for per-node blocks`),
    );
  }
  if (pod && service && cidrsOverlap(pod, service)) {
    problems.push(error(at('serviceCIDR'), `${service.text} overlaps spec.network.podCIDR ${pod.text}`));
  }
  for (const h of hosts) {
    if (h.ip === undefined) continue;
    for (const [field, cidr] of [
      ['podCIDR', pod],
      ['serviceCIDR', service],
    ] as const) {
      if (cidr && cidrContains(cidr, h.ip)) {
        problems.push(
          error(
            ['spec', 'hosts', h.index, 'address'],
            `${h.address} is inside spec.network.${field} ${cidr.text}`,
          ),
        );
      }
    }
  }
  dnsProblems(network, service, problems);
  return { pod, service };
}

function dnsProblems(network: Obj, service: Cidr | undefined, problems: Problem[]): void {
  const clusterDNS = str(network.clusterDNS) ?? (network.clusterDNS === undefined ? '10.96.0.10' : undefined);
  if (clusterDNS !== undefined) {
    const ip = parseIPv4(clusterDNS);
    const at: PathSegment[] = ['spec', 'network', 'clusterDNS'];
    if (ip === undefined) problems.push(error(at, `${clusterDNS} is not an IPv4 address`));
    else if (cidrContains(LINK_LOCAL, ip)) {
      // A node-local DNS cache address handed to kubelets directly: fine.
    } else if (service && !cidrContains(service, ip)) {
      problems.push(error(at, `${clusterDNS} is outside spec.network.serviceCIDR ${service.text}`));
    } else if (service && clusterDNS === firstServiceIP(service)) {
      problems.push(
        error(at, `${clusterDNS} is the first service IP, which belongs to the kubernetes Service`),
      );
    }
  }
  const nodeLocal = str(network.nodeLocalDNS);
  if (nodeLocal !== undefined) {
    const ip = parseIPv4(nodeLocal);
    if (ip === undefined || !cidrContains(LINK_LOCAL, ip)) {
      problems.push(
        error(
          ['spec', 'network', 'nodeLocalDNS'],
          `${nodeLocal} must be a link-local address (169.254.0.0/16)`,
        ),
      );
    }
  }
}

function endpointProblems(endpoint: Obj, hosts: RawHost[], cidrs: NetworkCidrs): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string): PathSegment[] => ['spec', 'controlPlaneEndpoint', field];
  const port = num(endpoint.port);
  const apiserverPort = num(endpoint.apiserverPort) ?? 6443;
  if (endpoint.mode === 'keepalived') {
    if (port !== undefined && port === apiserverPort) {
      problems.push(
        error(
          at('port'),
          `haproxy runs on the control-plane hosts and cannot listen on the apiserver's port ${apiserverPort}`,
        ),
      );
    }
    const vipText = str(endpoint.vip);
    if (vipText !== undefined) problems.push(...vipProblems(vipText, hosts, cidrs));
  } else if (endpoint.mode === 'external') {
    const address = str(endpoint.address);
    if (
      address !== undefined &&
      parseIPv4(address) === undefined &&
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(address)
    ) {
      problems.push(error(at('address'), `${address} is neither an IPv4 address nor a DNS name`));
    }
  }
  return problems;
}

function vipProblems(vipText: string, hosts: RawHost[], cidrs: NetworkCidrs): Problem[] {
  const at: PathSegment[] = ['spec', 'controlPlaneEndpoint', 'vip'];
  const [addr, prefixText, extra] = vipText.split('/');
  const ip = parseIPv4(addr);
  const prefix = prefixText === undefined ? 24 : /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (ip === undefined || extra !== undefined || !(prefix >= 8 && prefix <= 32)) {
    return [
      error(at, `${vipText} is not an IPv4 address with an optional prefix length 8-32 (e.g. 10.0.0.10/24)`),
    ];
  }
  const problems: Problem[] = [];
  const owner = hosts.find((h) => h.ip === ip);
  if (owner)
    problems.push(error(at, `${addr} is the address of ${owner.name ?? `spec.hosts[${owner.index}]`}`));
  const subnet = networkOf(ip, prefix);
  if (prefix < 31 && (ip === subnet.network || ip === subnet.network + cidrSize(subnet) - 1)) {
    problems.push(error(at, `${addr} is the network or broadcast address of ${subnet.text}`));
  }
  for (const h of hosts) {
    if (h.ip !== undefined && h.roles.includes('control-plane') && !cidrContains(subnet, h.ip)) {
      problems.push(
        error(at, `${subnet.text} does not contain control-plane host ${h.name ?? h.index} (${h.address})`),
      );
    }
  }
  for (const [field, cidr] of Object.entries(cidrs)) {
    if (cidr && cidrContains(cidr, ip))
      problems.push(error(at, `${addr} is inside spec.network.${field}CIDR ${cidr.text}`));
  }
  return problems;
}

function certificateProblems(certs: Obj): Problem[] {
  const ca = num(certs.caValidityDays) ?? 36500;
  const leaf = num(certs.leafValidityDays) ?? 365;
  const renew = num(certs.renewBeforeDays) ?? 30;
  const problems: Problem[] = [];
  if (leaf > ca) {
    problems.push(
      error(['spec', 'certificates', 'leafValidityDays'], `${leaf} days outlives the CA (${ca} days)`),
    );
  }
  if (renew >= leaf) {
    problems.push(
      error(
        ['spec', 'certificates', 'renewBeforeDays'],
        `${renew} days is not shorter than the leaf validity (${leaf} days)`,
      ),
    );
  }
  return problems;
}

function artifactProblems(artifacts: Obj): Problem[] {
  // A bundle without bundleDir uses the default bundle cache; a mirror has no such default.
  if (artifacts.source === 'mirror' && artifacts.mirrorURL === undefined) {
    return [error(['spec', 'artifacts', 'mirrorURL'], 'is required when source is mirror')];
  }
  return [];
}

/** Images from the bundle need a bundle, and a CNI whose images the bundle carries. */
function imageProblems(images: Obj, artifacts: Obj, network: Obj): Problem[] {
  if (images.source !== 'bundle') return [];
  const at: PathSegment[] = ['spec', 'images', 'source'];
  const problems: Problem[] = [];
  if (artifacts.source === 'mirror')
    problems.push(
      error(at, 'bundle needs spec.artifacts.source: bundle (images come in the offline bundle)'),
    );
  const cni = str(network.cni) ?? 'calico';
  if (cni === 'calico')
    problems.push(
      error(
        at,
        "bundle cannot run spec.network.cni calico: calico's images are not in the offline bundle (use cni: flannel, or images.source: registry)",
      ),
    );
  return problems;
}

function etcdProblems(etcd: Obj): Problem[] {
  const problems: Problem[] = [];
  const backup = obj(etcd.backup);
  const schedule = str(backup.schedule);
  const problem = schedule === undefined ? undefined : cronProblem(schedule);
  if (problem) problems.push(error(['spec', 'etcd', 'backup', 'schedule'], problem));
  const target = obj(backup.target);
  const endpoint = str(target.endpoint);
  if (target.type === 's3' && endpoint?.startsWith('http://') && target.allowInsecureHttp !== true)
    problems.push(
      error(
        ['spec', 'etcd', 'backup', 'target', 'endpoint'],
        `${endpoint} is plain http: snapshots and credentials' signatures would cross the network readable; use https, or set allowInsecureHttp: true`,
      ),
    );
  return problems;
}

function addonProblems(addons: Obj): Problem[] {
  const timeout = str(addons.readyTimeout);
  if (timeout === undefined) return [];
  const ms = parseDuration(timeout);
  const at: PathSegment[] = ['spec', 'addons', 'readyTimeout'];
  if (ms === undefined) return [error(at, `${timeout} is not a duration (like 90s, 5m)`)];
  if (ms > MAX_ADDON_READY_TIMEOUT_MS) return [error(at, `${timeout} is longer than the limit of 8m`)];
  return [];
}
