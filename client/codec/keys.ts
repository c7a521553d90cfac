// Payload encryption keys: 256-bit AES keys from key files (HAKUBE_CODEC_KEY_FILE or
// --codec-key-file) or from HAKUBE_CODEC_KEY. The first key encrypts; every key decrypts, so a
// rotation puts the new key first and keeps the old ones after it.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { delimiter } from 'node:path';
import { CodecKeyError } from './errors';

export const KEY_BYTES = 32;
export const ENV_KEY_FILE = 'HAKUBE_CODEC_KEY_FILE';
export const ENV_KEY = 'HAKUBE_CODEC_KEY';

export interface CodecKey {
  /** First 8 hex digits of the key's SHA-256: names the key in payload metadata, never reveals it. */
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** Encrypts new payloads. */
  current: CodecKey;
  /** Still decrypt payloads written before a rotation. */
  previous: CodecKey[];
}

export interface LoadedKeys {
  /** Undefined when no key is configured: encryption is off. */
  ring?: KeyRing;
  /** Where the keys came from (file paths or the variable's name), for logs. */
  source?: string;
  /** Not fatal, worth telling: a key file others can read. */
  warnings: string[];
}

const FORMATS = `a raw key file is exactly ${KEY_BYTES} bytes; a text key is 64 hex characters or base64 of ${KEY_BYTES} bytes, one per line`;

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A ring from keys, current first; a key listed twice counts once. */
export function keyRing(keys: Buffer[], source: string): KeyRing {
  const unique = new Map<string, CodecKey>();
  for (const key of keys) {
    if (key.length !== KEY_BYTES)
      throw new CodecKeyError(source, `a key is ${key.length} bytes, expected ${KEY_BYTES}`);
    const id = keyId(key);
    if (!unique.has(id)) unique.set(id, { id, key });
  }
  const [current, ...previous] = unique.values();
  if (!current) throw new CodecKeyError(source, `holds no key (${FORMATS})`);
  return { current, previous };
}

/** Every key of the ring, current first. */
export function ringKeys(ring: KeyRing): CodecKey[] {
  return [ring.current, ...ring.previous];
}

/** One key written as text. `where` names it in errors; the key itself is never echoed. */
export function parseKeyText(text: string, where: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s))
    throw new CodecKeyError(where, `not a hex or base64 key (${FORMATS})`);
  const key = Buffer.from(s, 'base64');
  if (key.length !== KEY_BYTES)
    throw new CodecKeyError(where, `decodes to ${key.length} bytes, expected ${KEY_BYTES} (${FORMATS})`);
  return key;
}

/** The keys in a key file's content: one raw key, or text keys one per line (`#` comments allowed). */
export function parseKeyFile(content: Buffer, file: string): Buffer[] {
  if (content.length === KEY_BYTES) return [Buffer.from(content)];
  // A raw key of the wrong length is binary: say how long it is rather than "line 1 is not hex".
  if (looksBinary(content))
    throw new CodecKeyError(file, `is ${content.length} bytes of binary, not a 256-bit key (${FORMATS})`);
  const keys: Buffer[] = [];
  content
    .toString('utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/#.*/, '').trim();
      if (line) keys.push(parseKeyText(line, `${file}: line ${i + 1}`));
    });
  if (keys.length === 0) throw new CodecKeyError(file, `holds no key (${FORMATS})`);
  return keys;
}

function looksBinary(content: Buffer): boolean {
  const control = content.some((b) => b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f);
  return control || content.toString('utf8').includes('\uFFFD');
}

function readKeyFile(file: string): { keys: Buffer[]; warning?: string } {
  let content: Buffer;
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CodecKeyError(file, 'is not a regular file');
    mode = st.mode & 0o777;
    content = readFileSync(file);
  } catch (err) {
    if (err instanceof CodecKeyError) throw err;
    throw new CodecKeyError(file, `cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  const keys = parseKeyFile(content, file);
  const warning =
    mode & 0o077
      ? `${file} can be read by other users (mode 0${mode.toString(8)}): chmod 0600 it`
      : undefined;
  return { keys, warning };
}

function list(value: string | undefined, separator: string | RegExp): string[] {
  return (value ?? '')
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The configured keys: `files` (the CLI flag) first, else HAKUBE_CODEC_KEY_FILE (paths separated
 * by ':'), else HAKUBE_CODEC_KEY (keys separated by commas or spaces). The first key found
 * encrypts. Setting both variables is refused: which one wins would be a guess.
 */
export function loadKeyRing(sources: { files?: string[]; env?: NodeJS.ProcessEnv } = {}): LoadedKeys {
  const env = sources.env ?? process.env;
  const envFiles = list(env[ENV_KEY_FILE], delimiter);
  const envKeys = list(env[ENV_KEY], /[\s,]+/);
  const files = sources.files?.length ? sources.files : envFiles;
  if (!sources.files?.length && envFiles.length && envKeys.length)
    throw new CodecKeyError(ENV_KEY, `set ${ENV_KEY_FILE} or ${ENV_KEY}, not both`);
  if (files.length) {
    const read = files.map(readKeyFile);
    return {
      ring: keyRing(
        read.flatMap((r) => r.keys),
        files.join(delimiter),
      ),
      source: files.join(delimiter),
      warnings: read.flatMap((r) => (r.warning ? [r.warning] : [])),
    };
  }
  if (envKeys.length) {
    const keys = envKeys.map((k, i) => parseKeyText(k, `${ENV_KEY} (key ${i + 1})`));
    return { ring: keyRing(keys, ENV_KEY), source: ENV_KEY, warnings: [] };
  }
  return { warnings: [] };
}
