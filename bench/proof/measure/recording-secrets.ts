// The secrets a recorded install carried (the recording holds what hakube sent to hosts): the
// private keys it uploaded and the bootstrap tokens it created. The history scan of the same run
// looks for exactly these.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownSecret } from '../../../test/helpers/history-scan';

export function secretsInRecording(dir: string): {
  keys: { what: string; pem: string }[];
  tokens: KnownSecret[];
} {
  const keys = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => /\.(content|stdin)$/.test(n))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g))
      keys.set(m[0], `uploaded key (recording ${f})`);
    for (const m of text.matchAll(/(?<![a-z0-9])([a-z0-9]{6})\.([a-z0-9]{16})(?![a-z0-9])/g))
      tokens.set(m[1], m[2]);
    const id = /token-id: (\S+)/.exec(text)?.[1];
    const secret = /token-secret: (\S+)/.exec(text)?.[1];
    if (id && secret) tokens.set(id, secret);
  }
  return {
    keys: [...keys].map(([pem, what]) => ({ what, pem })),
    tokens: [...tokens].flatMap(([id, secret]) => [
      { what: `bootstrap token ${id}`, value: `${id}.${secret}` },
      { what: `bootstrap token ${id} (secret part)`, value: secret },
    ]),
  };
}
