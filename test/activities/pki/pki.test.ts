// PKI activities on in-memory hosts: chains verified by openssl, SANs and usages per profile,
// idempotence (same serials), reissue when inside renewBefore / from another CA / wrong SANs,
// key files 0600, and no private key in any activity result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPkiActivities, type IssuedCert } from '../../../activities/pki/pki-activities';
import type { HostProvider } from '../../../activities/context';
import { kubeconfigs, pki } from '../../../cluster/layout';
import { readEmbeddedKubeconfig } from '../../../cluster/render/kubeconfig';
import type { Cluster } from '../../../cluster/spec';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

const CA_PROFILES = ['certs/ca', 'certs/etcd-ca', 'certs/front-proxy-ca'];

function world(cluster: Cluster, now?: () => Date) {
  const hosts = new Map(cluster.spec.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]));
  const provider: HostProvider = { hostFor: (_c, h) => hosts.get(h.name) as FakeHost };
  return { hosts, acts: createPkiActivities({ hosts: provider, now }) };
}

function openssl(args: string[], files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-openssl-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync('openssl', args, { cwd: dir }).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function installAll(cluster: Cluster, w: ReturnType<typeof world>) {
  const authorities = await w.acts.ensureAuthorities({ cluster });
  const byHost: Record<string, IssuedCert[]> = {};
  for (const h of cluster.spec.hosts)
    byHost[h.name] = await w.acts.ensureHostCertificates({ cluster, host: h.name });
  return { authorities, byHost };
}

test('every issued chain verifies with openssl; SANs, usages and key modes are right', async () => {
  const c = pkiCluster();
  const w = world(c);
  const { authorities, byHost } = await installAll(c, w);
  assert.equal(authorities.cas.length, 3);
  const m2 = w.hosts.get('master-2') as FakeHost;
  const chains: [string, string][] = [
    [pki.apiserver.cert, pki.ca.cert],
    [pki.apiserverKubeletClient.cert, pki.ca.cert],
    [pki.apiserverEtcdClient.cert, pki.etcdCa.cert],
    [pki.frontProxyClient.cert, pki.frontProxyCa.cert],
    [pki.etcdServer.cert, pki.etcdCa.cert],
    [pki.etcdPeer.cert, pki.etcdCa.cert],
    [pki.etcdHealthcheckClient.cert, pki.etcdCa.cert],
  ];
  for (const [leaf, ca] of chains) {
    const out = openssl(['verify', '-CAfile', 'ca.crt', 'leaf.crt'], {
      'ca.crt': m2.text(ca),
      'leaf.crt': m2.text(leaf),
    });
    assert.match(out, /leaf.crt: OK/, leaf);
  }
  const api = openssl(['x509', '-in', 'c.crt', '-noout', '-text'], { 'c.crt': m2.text(pki.apiserver.cert) });
  assert.match(api, /IP Address:10\.1\.1\.10/);
  assert.match(api, /IP Address:10\.96\.0\.1/);
  assert.match(api, /DNS:kubernetes\.default\.svc\.corp\.local/);
  assert.match(api, /TLS Web Server Authentication/);
  const peer = openssl(['x509', '-in', 'c.crt', '-noout', '-text'], { 'c.crt': m2.text(pki.etcdPeer.cert) });
  assert.match(peer, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(peer, /IP Address:10\.1\.1\.12/);
  // Keys are 0600; the CA key reached the other control-plane hosts (controller-manager signs with it), not workers.
  for (const [name, host] of w.hosts) {
    for (const [path, entry] of host.files)
      if (path.endsWith('.key') || path.endsWith('.conf')) assert.equal(entry.mode, 0o600, `${name}:${path}`);
  }
  assert.ok(m2.files.has(pki.ca.key));
  assert.ok(!(w.hosts.get('worker-1') as FakeHost).files.has(pki.ca.key));
  assert.ok(!m2.files.has(pki.etcdCa.key), 'the etcd CA key stays on the first control-plane host');
  // Kubeconfigs embed a client cert with the right identity, verifiable against the CA.
  const admin = readEmbeddedKubeconfig(m2.text(kubeconfigs.admin));
  assert.equal(admin.server, 'https://10.1.1.10:16443');
  assert.match(
    openssl(['x509', '-in', 'c.crt', '-noout', '-subject'], { 'c.crt': admin.certPem as string }),
    /O\s*=\s*hakube:cluster-admins/,
  );
  const superAdmin = readEmbeddedKubeconfig(m2.text(kubeconfigs.superAdmin));
  assert.match(
    openssl(['x509', '-in', 'c.crt', '-noout', '-subject'], { 'c.crt': superAdmin.certPem as string }),
    /CN\s*=\s*kubernetes-super-admin, O\s*=\s*system:masters/,
  );
  assert.ok(!(w.hosts.get('worker-1') as FakeHost).files.has(kubeconfigs.superAdmin));
  assert.equal(Object.keys(byHost).length, 4);
  assert.doesNotMatch(JSON.stringify({ authorities, byHost }), /PRIVATE KEY/);
});

test('a second run keeps everything (same serials, no writes)', async () => {
  const c = pkiCluster();
  const w = world(c);
  const first = await installAll(c, w);
  const writes = [...w.hosts.values()].map((h) => h.writes);
  const second = await installAll(c, w);
  assert.deepEqual(
    [...w.hosts.values()].map((h) => h.writes),
    writes,
  );
  for (const host of Object.keys(first.byHost)) {
    assert.deepEqual(
      second.byHost[host].map((r) => [r.profile, r.serial, r.changed]),
      first.byHost[host].map((r) => [r.profile, r.serial, false]),
    );
  }
});

test('certificates inside renewBefore are reissued; CAs are kept', async () => {
  const c = pkiCluster();
  let clock = new Date('2027-01-01T00:00:00Z');
  const w = world(c, () => clock);
  const first = await installAll(c, w);
  clock = new Date('2027-12-15T00:00:00Z'); // 365-day leaves, renewBefore 30 days
  const later = await installAll(c, w);
  const leaves = later.byHost['master-1'].filter((r) => !CA_PROFILES.includes(r.profile));
  assert.equal(leaves.length, 12);
  assert.ok(leaves.every((r) => r.changed && /renewBefore/.test(r.reason ?? '')));
  assert.ok(later.byHost['master-1'].filter((r) => CA_PROFILES.includes(r.profile)).every((r) => !r.changed));
  assert.deepEqual(
    later.authorities.cas.map((ca) => ca.serial),
    first.authorities.cas.map((ca) => ca.serial),
  );
});

test('a certificate from another CA, or with the wrong SANs, is reissued', async () => {
  const c = pkiCluster();
  const w = world(c);
  await installAll(c, w);
  const m1 = w.hosts.get('master-1') as FakeHost;
  const foreign = world(c);
  await installAll(c, foreign);
  const alien = (foreign.hosts.get('master-1') as FakeHost).files.get(pki.etcdServer.cert);
  m1.files.set(pki.etcdServer.cert, alien as NonNullable<typeof alien>);
  const fixed = await w.acts.ensureHostCertificates({ cluster: c, host: 'master-1' });
  assert.match(
    fixed.find((r) => r.profile === 'certs/etcd-server/master-1')?.reason ?? '',
    /not signed by the current CA/,
  );

  const moved = pkiCluster('10.1.1.99');
  const again = await w.acts.ensureHostCertificates({ cluster: moved, host: 'master-1' });
  assert.match(again.find((r) => r.profile === 'certs/apiserver/master-1')?.reason ?? '', /SANs differ/);
  assert.equal(again.find((r) => r.profile === 'certs/etcd-server/master-1')?.changed, false);
  assert.match(again.find((r) => r.profile === 'kubeconfig/admin/master-1')?.reason ?? '', /server is/);
});

test('RSA keys work as well as ECDSA', async () => {
  const c = pkiCluster();
  c.spec.certificates.keyAlgorithm = 'rsa';
  const w = world(c);
  await installAll(c, w);
  const m1 = w.hosts.get('master-1') as FakeHost;
  assert.match(
    openssl(['x509', '-in', 'c.crt', '-noout', '-text'], { 'c.crt': m1.text(pki.apiserver.cert) }),
    /rsaEncryption/,
  );
  assert.match(
    openssl(['verify', '-CAfile', 'ca.crt', 'l.crt'], {
      'ca.crt': m1.text(pki.ca.cert),
      'l.crt': m1.text(pki.apiserver.cert),
    }),
    /OK/,
  );
});

test('admin.conf in hakube:cluster-admins: the binding is asked for before it replaces a system:masters one, never again after', async () => {
  const c = pkiCluster();
  const w = world(c);
  const m1 = w.hosts.get('master-1') as FakeHost;
  // A fresh install: no apiserver answers yet; the super-admin.conf attempt fails, the install's RBAC step binds.
  await installAll(c, w);
  assert.deepEqual(
    m1.applied.map((a) => a.kubeconfig),
    [kubeconfigs.superAdmin],
  );
  assert.match(m1.text(kubeconfigs.admin), /client-certificate-data/);

  // A cluster from before the split: its admin.conf is a system:masters one.
  const mastersEra = m1.text(kubeconfigs.superAdmin);
  m1.files.set(kubeconfigs.admin, {
    content: Buffer.from(mastersEra),
    mode: 0o600,
    owner: 'root:root',
    dir: false,
  });
  m1.applied.length = 0;
  // The cluster does not answer: the old admin.conf stays, and the step fails (retried).
  await assert.rejects(
    w.acts.ensureHostCertificates({ cluster: c, host: 'master-1' }),
    (err: Error & { type?: string }) =>
      err.type === 'ApiserverNotReady' &&
      /moves from system:masters to the group hakube:cluster-admins/.test(err.message),
  );
  assert.deepEqual(
    m1.applied.map((a) => a.kubeconfig),
    [kubeconfigs.admin, kubeconfigs.superAdmin],
  );
  assert.equal(m1.text(kubeconfigs.admin), mastersEra);
  // It answers: the binding is applied with the old admin.conf, then the new one is written.
  m1.kubectlExitCode = 0;
  m1.applied.length = 0;
  const issued = await w.acts.ensureHostCertificates({ cluster: c, host: 'master-1' });
  assert.deepEqual(
    m1.applied.map((a) => a.kubeconfig),
    [kubeconfigs.admin],
  );
  assert.match(
    m1.applied[0].manifest,
    /kind: ClusterRoleBinding[^]*name: cluster-admin\n[^]*name: hakube:cluster-admins/,
  );
  assert.equal(issued.find((r) => r.profile === 'kubeconfig/admin/master-1')?.changed, true);
  assert.notEqual(m1.text(kubeconfigs.admin), mastersEra);
  // From now on the cluster is not asked again.
  m1.applied.length = 0;
  await w.acts.ensureHostCertificates({ cluster: c, host: 'master-1' });
  assert.deepEqual(m1.applied, []);
});
