// IPv4 address and CIDR arithmetic for spec validation and config rendering.
// Pure: no I/O, safe inside workflows.

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  network: number;
  prefix: number;
  text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4 into an unsigned 32-bit integer, or undefined when malformed. */
export function parseIPv4(text: string): number | undefined {
  const m = IPV4.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n". Host bits must be zero, as Kubernetes requires for its CIDR flags. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0 || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const ip = parseIPv4(addr);
  if (ip === undefined || prefix > 32) return undefined;
  if ((ip & maskOf(prefix)) >>> 0 !== ip) return undefined;
  return { network: ip, prefix, text: `${formatIPv4(ip)}/${prefix}` };
}

/** The network an address belongs to for a given prefix length (host bits cleared). */
export function networkOf(ip: number, prefix: number): Cidr {
  const network = (ip & maskOf(prefix)) >>> 0;
  return { network, prefix, text: `${formatIPv4(network)}/${prefix}` };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return (ip & maskOf(cidr.prefix)) >>> 0 === cidr.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return (a.network & maskOf(prefix)) >>> 0 === (b.network & maskOf(prefix)) >>> 0;
}

/** Number of addresses in the block (2^(32-prefix)). */
export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The first usable address of a service CIDR: the ClusterIP of the `kubernetes` Service. */
export function firstServiceIP(serviceCidr: Cidr): string {
  return formatIPv4(serviceCidr.network + 1);
}

export const LINK_LOCAL: Cidr = {
  network: parseIPv4('169.254.0.0') as number,
  prefix: 16,
  text: '169.254.0.0/16',
};
export const LOOPBACK: Cidr = { network: parseIPv4('127.0.0.0') as number, prefix: 8, text: '127.0.0.0/8' };
