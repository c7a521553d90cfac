// Ginkgo's JUnit report (--ginkgo.junit-report) read back: one row per test case with its state
// and failure message. Ginkgo writes names as "[It] <full text> [label, label]" and the state in a
// `status` attribute (passed, skipped, failed, timedout, panicked, interrupted, aborted, pending).
// Parsed with patterns for the elements Ginkgo writes, not as general XML.

export interface JUnitCase {
  /** The name as written: "[It] [sig-node] Pods should ... [Conformance] [NodeConformance, Conformance]". */
  name: string;
  status: string;
  seconds: number;
  /** failure/error message, or the skip message. */
  message?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) out[m[1]] = decodeXml(m[2]);
  return out;
}

export function parseJUnit(xml: string): JUnitCase[] {
  const out: JUnitCase[] = [];
  // A test case is either <testcase .../> or <testcase ...>...</testcase>.
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const a = attrs(m[1]);
    const body = m[3] ?? '';
    const detail = /<(failure|error|skipped)\b([^>]*?)\/?>/.exec(body);
    const message = detail ? attrs(detail[2]).message : undefined;
    const status = a.status ?? (detail ? (detail[1] === 'skipped' ? 'skipped' : 'failed') : 'passed');
    out.push({
      name: a.name ?? '',
      status,
      seconds: Number(a.time ?? 0) || 0,
      ...(message ? { message } : {}),
    });
  }
  return out;
}

/**
 * The case for the test listed as `name` (the full text `e2e.test --list-tests` prints): the
 * JUnit name is "[It] " + name, then nothing or label groups.
 */
export function caseFor(cases: readonly JUnitCase[], name: string): JUnitCase | undefined {
  const prefix = `[It] ${name}`;
  return cases.find(
    (c) => c.name === prefix || (c.name.startsWith(prefix) && c.name.startsWith(' [', prefix.length)),
  );
}
