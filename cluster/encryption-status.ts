// What a rotation of the Secrets encryption key reads back from the cluster, parsed like user
// input (pure; activities/pki/encryption-rotation.ts runs the commands).

/**
 * The configuration hashes an apiserver reports having loaded
 * (`apiserver_encryption_config_controller_last_config_info{…,hash="sha256:<hex>"} 1` in its
 * /metrics: sha256 of the file's bytes, set at start and at each automatic reload).
 */
export function loadedConfigHashes(metrics: string): string[] {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('apiserver_encryption_config_controller_last_config_info{'))
    .map((l) => /[{,]hash="(sha256:[0-9a-f]{64})"/.exec(l)?.[1])
    .filter((h): h is string => h !== undefined);
}

export interface SecretsByKey {
  total: number;
  /** Key name -> Secrets encrypted with it. */
  byKey: Record<string, number>;
  /** Secrets stored in the clear (written before encryption, or with the identity provider). */
  plaintext: number;
}

const ENCRYPTED = /^k8s:enc:secretbox:v1:(key\d{1,6}):/;

/** `etcdctl get /registry/secrets/ --prefix -w json`: which key each stored Secret is encrypted with. */
export function secretsByKey(json: string): SecretsByKey {
  const parsed = JSON.parse(json) as { kvs?: { key?: unknown; value?: unknown }[] };
  if (parsed === null || typeof parsed !== 'object') throw new Error('etcdctl answered no JSON object');
  const out: SecretsByKey = { total: 0, byKey: {}, plaintext: 0 };
  for (const kv of parsed.kvs ?? []) {
    if (typeof kv.value !== 'string') throw new Error('etcdctl answered a value that is not base64 text');
    // Only the prefix matters: never decode (or keep) more of a Secret than that.
    const head = Buffer.from(kv.value.slice(0, 48), 'base64').toString('latin1');
    const m = ENCRYPTED.exec(head);
    out.total += 1;
    if (m) out.byKey[m[1]] = (out.byKey[m[1]] ?? 0) + 1;
    else out.plaintext += 1;
  }
  return out;
}
