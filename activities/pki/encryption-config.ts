// kube-apiserver's EncryptionConfiguration on every control-plane host: made once on the first
// one, copied to the others like the service-account key. The key passes through the worker's
// memory only: results carry paths and `changed`, never the key.
import { randomBytes } from 'node:crypto';
import {
  ENCRYPTION_KEY_NAME,
  parseEncryptionConfig,
  renderEncryptionConfig,
} from '../../cluster/render/encryption';
import { files } from '../../cluster/layout';
import { readText, type Host } from '../ssh';
import { configInvalid } from './ca-store';
import { KEY_MODE, ROOT } from './ensure-ca';

export interface EncryptionConfigResult {
  host: string;
  path: string;
  changed: boolean;
}

/** The configuration on `host`, checked; undefined when there is none. */
async function readConfig(host: Host): Promise<string | undefined> {
  const text = await readText(host, files.encryptionConfig);
  if (text === undefined) return undefined;
  if (!parseEncryptionConfig(text))
    throw configInvalid(
      `${host.name}: ${files.encryptionConfig} is not an EncryptionConfiguration hakube wrote; restore it from a copy (without its keys, encrypted Secrets are lost)`,
    );
  return text;
}

/** On the first control-plane host: created once with a new key, never replaced (mode 0600). */
export async function ensureEncryptionConfigOnSource(source: Host): Promise<EncryptionConfigResult> {
  const text =
    (await readConfig(source)) ??
    renderEncryptionConfig([{ name: ENCRYPTION_KEY_NAME, secret: randomBytes(32).toString('base64') }]);
  const r = await source.ensureFile(files.encryptionConfig, Buffer.from(text), {
    mode: KEY_MODE,
    owner: ROOT,
  });
  return { host: source.name, path: files.encryptionConfig, changed: r.changed };
}

/** The source's configuration, checked, copied to `host` (mode 0600). */
export async function distributeEncryptionConfig(source: Host, host: Host): Promise<EncryptionConfigResult> {
  const text = await readConfig(source);
  if (text === undefined)
    throw configInvalid(`${files.encryptionConfig} is missing on ${source.name}; ensure it there first`);
  const r = await host.ensureFile(files.encryptionConfig, Buffer.from(text), { mode: KEY_MODE, owner: ROOT });
  return { host: host.name, path: files.encryptionConfig, changed: r.changed };
}
