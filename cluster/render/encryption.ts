// Secrets encrypted at rest in etcd (and so in every snapshot): an EncryptionConfiguration for
// kube-apiserver with a secretbox key (XSalsa20-Poly1305, authenticated), and identity last so
// Secrets written before encryption was turned on stay readable until they are rewritten.
//
// The key is made once for the first control-plane host and copied to the others like the
// service-account key (activities/pki/encryption-config.ts): it passes through the worker's
// memory only, never its logs, the workflow history or a backup target.

/** The name of the first key; a rotation puts a new key first (docs/security.md). */
export const ENCRYPTION_KEY_NAME = 'key1';

export interface EncryptionKey {
  name: string;
  /** base64 of 32 random bytes. */
  secret: string;
}

const KEY_NAME = /^key\d{1,6}$/;
const KEY_SECRET = /^[A-Za-z0-9+/]{43}=$/;

export function renderEncryptionConfig(keys: EncryptionKey[]): string {
  if (keys.length === 0) throw new Error('an EncryptionConfiguration needs a key');
  for (const k of keys)
    if (!KEY_NAME.test(k.name) || !KEY_SECRET.test(k.secret))
      throw new Error(`encryption key ${JSON.stringify(k.name)} is not keyN with 32 bytes of base64`);
  return [
    '# Rendered by hakube: the keys that encrypt Secrets in etcd. Losing this file makes them unreadable.',
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - secretbox:',
    '          keys:',
    ...keys.flatMap((k) => [`            - name: ${k.name}`, `              secret: ${k.secret}`]),
    '      - identity: {}',
    '',
  ].join('\n');
}

/**
 * The keys in a configuration read back from a host, checked like user input: only a file of
 * exactly the shape renderEncryptionConfig writes is accepted (undefined otherwise).
 */
export function parseEncryptionConfig(text: string): EncryptionKey[] | undefined {
  const keys: EncryptionKey[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const name = /^ {12}- name: (\S+)$/.exec(lines[i]);
    const secret = name && /^ {14}secret: (\S+)$/.exec(lines[i + 1] ?? '');
    if (name && secret) keys.push({ name: name[1], secret: secret[1] });
  }
  try {
    return keys.length > 0 && renderEncryptionConfig(keys) === text ? keys : undefined;
  } catch {
    return undefined;
  }
}

/** The prefix etcd values of encrypted Secrets start with (what a test reads back from etcd). */
export const encryptedSecretPrefix = (keyName = ENCRYPTION_KEY_NAME) => `k8s:enc:secretbox:v1:${keyName}:`;

// ---- Rotation: a staged key, trusted, then used, then alone ----

/** Where a rotation stands on a host: the order of the keys its configuration lists. */
export const ROTATION_STAGES = ['old-first', 'new-first', 'new-only'] as const;
export type RotationStage = (typeof ROTATION_STAGES)[number];

const STAGED = /^(key\d{1,6}) ([A-Za-z0-9+/]{43}=)\n$/;

/** The staged key file: one line, `keyN <secret>`. */
export function renderStagedKey(key: EncryptionKey): string {
  const text = `${key.name} ${key.secret}\n`;
  if (!STAGED.test(text))
    throw new Error(`staged key ${JSON.stringify(key.name)} is not keyN with 32 bytes of base64`);
  return text;
}

/** The staged key read back from a host, checked like user input (undefined when malformed). */
export function parseStagedKey(text: string): EncryptionKey | undefined {
  const m = STAGED.exec(text);
  return m ? { name: m[1], secret: m[2] } : undefined;
}

/** A name none of `keys` has: one above the highest number. */
export function nextKeyName(keys: EncryptionKey[]): string {
  const highest = Math.max(0, ...keys.map((k) => Number(k.name.slice(3))));
  return `key${highest + 1}`;
}

/**
 * The keys a host lists at `stage`: the staged key after the others (it decrypts, the old one
 * still encrypts), then first (it encrypts, the old ones still decrypt), then alone. `current`
 * is the source host's configuration, which may already be at any stage of this rotation.
 */
export function keysAtStage(
  current: EncryptionKey[],
  staged: EncryptionKey,
  stage: RotationStage,
): EncryptionKey[] {
  const old = current.filter((k) => k.name !== staged.name);
  const same = current.find((k) => k.name === staged.name);
  if (same && same.secret !== staged.secret)
    throw new Error(`the configuration has a ${staged.name} other than the staged one`);
  switch (stage) {
    case 'old-first':
      return [...old, staged];
    case 'new-first':
      return [staged, ...old];
    case 'new-only':
      return [staged];
  }
}
