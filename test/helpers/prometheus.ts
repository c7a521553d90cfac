// Reading a Prometheus text exposition in tests: fetch it, and find one sample's value.

export async function scrape(address: string): Promise<string> {
  const res = await fetch(`http://${address}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  return res.text();
}

/** Labels of one sample line: `name{a="1",b="2"} value`. */
function labelsOf(line: string): Record<string, string> {
  const inside = /\{(.*)\}/.exec(line)?.[1] ?? '';
  return Object.fromEntries([...inside.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
}

/** The value of the first `name` sample carrying all of `labels` (others may be there too); undefined if none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const have = labelsOf(line);
    if (Object.entries(labels).every(([k, v]) => have[k] === v))
      return Number(line.trim().split(/\s+/).pop());
  }
  return undefined;
}
