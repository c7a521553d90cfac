// Leaf certificates and kubeconfigs on a host: kept when valid (right subject, SANs, usages,
// signed by the current CA, outside renewBefore, key matching); otherwise issued anew.
import { CLUSTER_ADMINS_GROUP, type KubeconfigProfile, type LeafProfile } from '../../cluster/pki/profiles';
import { readEmbeddedKubeconfig, renderEmbeddedKubeconfig } from '../../cluster/render/kubeconfig';
import { readText, type Host } from '../ssh';
import { certFacts, reasonToReissue } from './certificate-check';
import type { LoadedCa } from './ca-store';
import { ensureClusterAdminsBinding, type CurrentAdminConf } from './cluster-admins-binding';
import { KEY_MODE, ROOT, writeKeyThenCert, type IssuedCert } from './ensure-ca';
import { issueLeaf, parseCertificate, privateKeyPem } from './x509';

/** `rotate`: issue a new certificate even when the present one is valid (a rotation). */
export async function ensureCertificate(
  host: Host,
  profile: LeafProfile,
  ca: LoadedCa,
  now: Date,
  rotate = false,
): Promise<IssuedCert> {
  const result = { profile: profile.name, host: host.name, path: profile.certPath };
  const certPem = await readText(host, profile.certPath);
  let reason = rotate ? 'rotation' : 'absent';
  if (certPem && !rotate) {
    const existing = parseCertificate(certPem);
    const keyPem = await readText(host, profile.keyPath);
    const why = await reasonToReissue(existing, keyPem, profile, ca.cert, now);
    if (!why) {
      // Kept; still make sure the key is private (a retry after a crash may find it 0644).
      const fixed = await host.ensureFile(profile.keyPath, Buffer.from(keyPem ?? ''), {
        mode: KEY_MODE,
        owner: ROOT,
      });
      return { ...result, changed: fixed.changed, ...(await certFacts(existing, now)) };
    }
    reason = why;
  }
  const { cert, keys } = await issueLeaf(profile, ca, now);
  await writeKeyThenCert(host, profile, await privateKeyPem(keys.privateKey), cert.toString('pem'));
  return { ...result, changed: true, reason, ...(await certFacts(cert, now)) };
}

/** Why a kubeconfig on disk must be rewritten, or undefined to keep it. */
async function kubeconfigReason(
  text: string | undefined,
  profile: KubeconfigProfile,
  ca: LoadedCa,
  now: Date,
): Promise<string | undefined> {
  if (!text) return 'absent';
  let parsed: ReturnType<typeof readEmbeddedKubeconfig>;
  try {
    parsed = readEmbeddedKubeconfig(text);
  } catch {
    return 'unreadable';
  }
  if (parsed.server !== profile.server) return `server is ${parsed.server}, wanted ${profile.server}`;
  if (parsed.caPem?.trim() !== ca.certPem.trim()) return 'its CA is not the current one';
  if (!parsed.certPem) return 'no embedded client certificate';
  return reasonToReissue(parseCertificate(parsed.certPem), parsed.keyPem, profile, ca.cert, now);
}

/** Whether the admin.conf on disk is already one of hakube:cluster-admins. */
function adminConfNow(text: string | undefined): CurrentAdminConf {
  if (text === undefined) return 'absent';
  try {
    const certPem = readEmbeddedKubeconfig(text).certPem;
    const subject = certPem ? parseCertificate(certPem).subject : '';
    return subject.split(', ').includes(`O=${CLUSTER_ADMINS_GROUP}`) ? 'in the group' : 'outside the group';
  } catch {
    return 'outside the group';
  }
}

export async function ensureKubeconfig(
  host: Host,
  profile: KubeconfigProfile,
  ca: LoadedCa,
  now: Date,
  rotate = false,
): Promise<IssuedCert> {
  const result = { profile: profile.name, host: host.name, path: profile.path };
  const current = await readText(host, profile.path);
  const reason = rotate ? 'rotation' : await kubeconfigReason(current, profile, ca, now);
  if (current && !reason) {
    const certPem = readEmbeddedKubeconfig(current).certPem ?? '';
    const fixed = await host.ensureFile(profile.path, Buffer.from(current), { mode: KEY_MODE, owner: ROOT });
    return { ...result, changed: fixed.changed, ...(await certFacts(parseCertificate(certPem), now)) };
  }
  if (profile.organizations.includes(CLUSTER_ADMINS_GROUP))
    await ensureClusterAdminsBinding(host, adminConfNow(current));
  const { cert, keys } = await issueLeaf(profile, ca, now);
  const text = renderEmbeddedKubeconfig({
    cluster: profile.clusterName,
    server: profile.server,
    caPem: ca.certPem,
    userName: profile.userName,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  });
  // A kubeconfig embeds a private key: same mode as a key file.
  await host.ensureFile(profile.path, Buffer.from(text), { mode: KEY_MODE, owner: ROOT });
  return { ...result, changed: true, reason, ...(await certFacts(cert, now)) };
}
