// The cluster's iptables chains on a host, read from `iptables-save` output (one backend, one
// family at a time), and the `iptables-restore --noflush` input that removes exactly them: first
// the rules of other chains (built-in ones such as INPUT, or a user's such as DOCKER-USER) that
// jump to them, then their own rules, then the chains. Tables and built-in chains are never
// flushed, so the host's own firewall stays. Pure: the activity reads and applies.

/** The tables a reset looks at (kube-proxy, kubelet, the CNI plugins and calico use these). */
export const IPTABLES_TABLES = ['filter', 'nat', 'mangle', 'raw'] as const;

/**
 * The iptables commands a reset may run: per family, each backend whose tools exist, or the
 * default `iptables` when the host has no backend-named tools. Anything else is refused.
 */
export const IPTABLES_TOOLS = [
  'iptables-legacy',
  'iptables-nft',
  'iptables',
  'ip6tables-legacy',
  'ip6tables-nft',
  'ip6tables',
] as const;
export type IptablesTool = (typeof IPTABLES_TOOLS)[number];
export const isIptablesTool = (t: string): t is IptablesTool =>
  (IPTABLES_TOOLS as readonly string[]).includes(t);

/** A chain name as iptables prints it; a name read back from a host that does not match is not used. */
const CHAIN_NAME = /^[A-Za-z0-9_.:+-]{1,64}$/;
/** A rule is fed back to iptables-restore as read: printable ASCII only, no line breaks. */
const RULE_TEXT = /^[\x20-\x7e]{1,4000}$/;

export interface SavedRule {
  chain: string;
  /** The whole `-A <chain> …` line as iptables-save printed it. */
  line: string;
  /** Where the rule jumps (`-j`) or goes (`-g`) to, when it does. */
  target?: string;
}

export interface SavedTable {
  table: string;
  chains: { name: string; builtin: boolean }[];
  rules: SavedRule[];
}

export interface ParsedSave {
  tables: SavedTable[];
  /** Lines not used because they do not look like what iptables-save prints. */
  refused: string[];
}

/** Splits a rule into words as iptables-restore does: double quotes group, a backslash escapes. */
export function ruleWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (ch === ' ' && !quoted) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

function targetOf(words: string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++)
    if (['-j', '--jump', '-g', '--goto'].includes(words[i])) return words[i + 1];
  return undefined;
}

/** Reads iptables-save output: tables, their chains (built-in ones have a policy), their rules. */
export function parseIptablesSave(text: string): ParsedSave {
  const tables: SavedTable[] = [];
  const refused: string[] = [];
  let current: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      current = { table: line.slice(1), chains: [], rules: [] };
      tables.push(current);
    } else if (line === 'COMMIT') {
      current = undefined;
    } else if (current && line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      if (CHAIN_NAME.test(name ?? '')) current.chains.push({ name, builtin: policy !== '-' });
      else refused.push(line);
    } else if (current && line.startsWith('-A ')) {
      const words = ruleWords(line);
      const chain = words[1] ?? '';
      if (!CHAIN_NAME.test(chain) || !RULE_TEXT.test(line)) refused.push(line);
      else current.rules.push({ chain, line, target: targetOf(words) });
    } else {
      refused.push(line);
    }
  }
  return { tables, refused };
}

/** Whether `name` is one of the cluster's chains: one of the prefixes, then a name iptables allows. */
export function isClusterChain(name: string, prefixes: readonly string[]): boolean {
  return CHAIN_NAME.test(name) && prefixes.some((p) => name.startsWith(p) && name.length > p.length);
}

/** What of the cluster one table holds: its chains, and the rules of other chains that jump to them. */
export interface TableFinding {
  table: string;
  chains: string[];
  /** `-A <chain> …` lines of chains that are not the cluster's (INPUT, DOCKER-USER, …). */
  jumps: string[];
}

export function clusterChainsIn(save: ParsedSave, prefixes: readonly string[]): TableFinding[] {
  const out: TableFinding[] = [];
  for (const t of save.tables) {
    if (!(IPTABLES_TABLES as readonly string[]).includes(t.table)) continue;
    // Built-in chains are never the cluster's, whatever their name.
    const chains = t.chains.filter((c) => !c.builtin && isClusterChain(c.name, prefixes)).map((c) => c.name);
    const ours = new Set(chains);
    const jumps = t.rules
      .filter((r) => !ours.has(r.chain) && r.target !== undefined && ours.has(r.target))
      .map((r) => r.line);
    if (chains.length || jumps.length) out.push({ table: t.table, chains, jumps });
  }
  return out;
}

/**
 * The input for `<tool>-restore --noflush`: per table, delete the jumps (`-D` with the rule as
 * saved), flush the cluster's chains, then delete them. Each table commits on its own.
 */
export function removalRestoreInput(findings: TableFinding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`*${f.table}`);
    for (const j of f.jumps) lines.push(`-D ${j.slice('-A '.length)}`);
    for (const c of f.chains) lines.push(`-F ${c}`);
    for (const c of f.chains) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Chain names as a person reads them: kube-proxy's and the CNI plugins' per-service chains end in
 * a hash (KUBE-SVC-6Q2ZOT5NLB5BXEQE, CNI-7c3f…) and are counted under their stem.
 */
export function summariseChains(names: string[]): string {
  const hashed = /^(.*-)([A-Za-z0-9]{8,})$/;
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const m = hashed.exec(n);
    const key = m && /\d/.test(m[2]) ? `${m[1]}*` : n;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups].map(([k, all]) => (all.length > 1 ? `${k} ×${all.length}` : all[0])).join(', ');
}
