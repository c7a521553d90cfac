// Rotating the key that encrypts Secrets in etcd, as idempotent ensures: a new key staged on the
// first control-plane host (made once, never in a result), every apiserver's configuration
// written at a stage of the rotation (the new key trusted, then used, then alone), a gate that
// each apiserver loaded exactly the file on its host, the Secrets rewritten with the new key, and
// a gate that etcd holds none encrypted with another. Results carry key names and counts only.
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { files } from '../../cluster/layout';
import { kubectl } from '../controlplane/control-plane';
import { ErrorTypes } from '../../cluster/errors';
import { etcdctl, LOCAL_ETCD } from '../../cluster/etcdctl';
import { loadedConfigHashes, secretsByKey, type SecretsByKey } from '../../cluster/encryption-status';
import {
  keysAtStage,
  nextKeyName,
  parseEncryptionConfig,
  parseStagedKey,
  renderEncryptionConfig,
  renderStagedKey,
  type EncryptionKey,
  type RotationStage,
} from '../../cluster/render/encryption';
import { primaryControlPlane, apiserverPort } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { readText, type Host } from '../ssh';
import { configInvalid } from './ca-store';
import { KEY_MODE, ROOT } from './ensure-ca';

export interface StagedKeyResult {
  /** The keys the source's configuration lists now, in order. */
  current: string[];
  staged: string;
}

export interface EncryptionKeysResult {
  host: string;
  stage: RotationStage;
  keys: string[];
  changed: boolean;
}

async function sourceKeys(source: Host): Promise<EncryptionKey[]> {
  const text = await readText(source, files.encryptionConfig);
  if (text === undefined)
    throw configInvalid(
      `${source.name}: ${files.encryptionConfig} is missing: run the install first, which makes it`,
    );
  const keys = parseEncryptionConfig(text);
  if (!keys)
    throw configInvalid(
      `${source.name}: ${files.encryptionConfig} is not an EncryptionConfiguration hakube wrote`,
    );
  return keys;
}

async function readStaged(source: Host): Promise<EncryptionKey | undefined> {
  const text = await readText(source, files.encryptionKeyStaged);
  if (text === undefined) return undefined;
  const key = parseStagedKey(text);
  if (!key)
    throw configInvalid(`${source.name}: ${files.encryptionKeyStaged} is not a staged key hakube wrote`);
  return key;
}

/** This host's own apiserver, not whichever one the endpoint picks. */
const localApiserver = (cluster: Cluster) => `--server=https://127.0.0.1:${apiserverPort(cluster)}`;

export function createEncryptionRotationActivities(deps: { hosts: HostProvider }) {
  const sourceOf = (cluster: Cluster) =>
    resolveHost(deps.hosts, { cluster, host: primaryControlPlane(cluster).name }).host;

  return {
    /** The next key, made once on the first control-plane host (a retry finds it there). */
    async stageEncryptionKey(input: { cluster: Cluster }): Promise<StagedKeyResult> {
      const source = sourceOf(input.cluster);
      const current = await sourceKeys(source);
      let staged = await readStaged(source);
      if (!staged) {
        staged = { name: nextKeyName(current), secret: randomBytes(32).toString('base64') };
        await source.ensureFile(files.encryptionKeyStaged, Buffer.from(renderStagedKey(staged)), {
          mode: KEY_MODE,
          owner: ROOT,
        });
      }
      return { current: current.map((k) => k.name), staged: staged.name };
    },

    /** `host`'s configuration at `stage` of the rotation, from the source's keys (mode 0600). */
    async writeEncryptionKeys(input: HostInput & { stage: RotationStage }): Promise<EncryptionKeysResult> {
      const { host } = resolveHost(deps.hosts, input);
      const source = sourceOf(input.cluster);
      const staged = await readStaged(source);
      if (!staged)
        throw configInvalid(`${source.name}: no staged key (${files.encryptionKeyStaged}): stage one first`);
      let keys: EncryptionKey[];
      try {
        keys = keysAtStage(await sourceKeys(source), staged, input.stage);
      } catch (err) {
        throw configInvalid(`${source.name}: ${(err as Error).message}`);
      }
      const r = await host.ensureFile(files.encryptionConfig, Buffer.from(renderEncryptionConfig(keys)), {
        mode: KEY_MODE,
        owner: ROOT,
      });
      return { host: host.name, stage: input.stage, keys: keys.map((k) => k.name), changed: r.changed };
    },

    /**
     * A gate: the apiserver on `host` reports the sha256 of the configuration file on `host` as
     * loaded (it polls the file once a minute). Fails (retried) until it does.
     */
    async encryptionConfigLoaded(input: HostInput): Promise<{ host: string; hash: string }> {
      const { host } = resolveHost(deps.hosts, input);
      const text = await readText(host, files.encryptionConfig);
      if (text === undefined) throw configInvalid(`${host.name}: ${files.encryptionConfig} is missing`);
      const want = `sha256:${createHash('sha256').update(text).digest('hex')}`;
      const r = await host.exec(kubectl(`${localApiserver(input.cluster)} get --raw /metrics`));
      const loaded = r.exitCode === 0 ? loadedConfigHashes(r.stdout) : [];
      if (!loaded.includes(want))
        throw ApplicationFailure.create({
          type: ErrorTypes.ApiserverNotReady,
          message: `${host.name}: the apiserver has not loaded ${files.encryptionConfig} yet (loaded ${loaded.join(', ') || r.stderr.trim() || 'nothing reported'}, file ${want})`,
        });
      return { host: host.name, hash: want };
    },

    /** Every Secret read and written back, so the apiserver stores it with its first key. */
    async rewriteSecrets(input: HostInput): Promise<{ rewritten: number }> {
      const { host } = resolveHost(deps.hosts, input);
      // A Secret changed between the read and the write is a conflict: the step is retried whole.
      const r = await host.run(
        `${kubectl('get secrets --all-namespaces -o json')} | ${kubectl('replace -f -')}`,
      );
      return { rewritten: r.stdout.split('\n').filter((l) => / replaced$/.test(l)).length };
    },

    /** A gate on an etcd member: every stored Secret is encrypted with `key` (retried until so). */
    async secretsEncryptedWith(input: HostInput & { key: string }): Promise<SecretsByKey> {
      const { host } = resolveHost(deps.hosts, input);
      const r = await host.run(etcdctl(LOCAL_ETCD, 'get /registry/secrets/ --prefix -w json'));
      let found: SecretsByKey;
      try {
        found = secretsByKey(r.stdout);
      } catch (err) {
        throw ApplicationFailure.create({
          type: ErrorTypes.EtcdUnhealthy,
          message: `${host.name}: etcdctl get answered what is not its JSON: ${(err as Error).message}`,
        });
      }
      const others = found.total - (found.byKey[input.key] ?? 0);
      if (others > 0)
        throw ApplicationFailure.create({
          type: ErrorTypes.RotationFailed,
          message: `${host.name}: ${others} of ${found.total} Secrets in etcd are not encrypted with ${input.key} (${JSON.stringify(found)})`,
        });
      return found;
    },

    /** The rotation's end: the staged key is in every configuration, alone; its file goes. */
    async finishEncryptionKeyRotation(input: { cluster: Cluster }): Promise<{ keys: string[] }> {
      const source = sourceOf(input.cluster);
      const keys = await sourceKeys(source);
      const staged = await readStaged(source);
      if (staged && (keys.length !== 1 || keys[0].name !== staged.name || keys[0].secret !== staged.secret))
        throw configInvalid(`${source.name}: the configuration does not list the staged key alone yet`);
      await source.ensureAbsent(files.encryptionKeyStaged);
      return { keys: keys.map((k) => k.name) };
    },
  };
}
