// The granular PKI activities (ensureCA / ensureCertificate / ensureKubeconfig / inspect) with
// hosts by name and the minimal PKI input: every profile's certificate checked against its
// profile (subject, SANs, usages, validity), chains verified by openssl, keys 0600 root-owned.
// @peculiar/x509 needs the Reflect polyfill loaded before it.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ApplicationFailure } from '@temporalio/common';
import { createPkiActivities } from '../../../activities/pki/pki-activities';
import { distinguishedName, EKU_OIDS, keyUsageFlags } from '../../../activities/pki/x509';
import { pkiInputFromCluster, type PkiClusterInput } from '../../../cluster/pki/input';
import { certificateProfiles, type PkiProfile } from '../../../cluster/pki/profiles';
import { readEmbeddedKubeconfig } from '../../../cluster/render/kubeconfig';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

const NOW = new Date('2027-03-01T00:00:00Z');
const DAY = 86_400_000;

function setup(keyAlgorithm: 'rsa' | 'ecdsa') {
  const input: PkiClusterInput = { ...pkiInputFromCluster(pkiCluster()), keyAlgorithm };
  const hosts = new Map(input.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]));
  const hostFor = (name: string) => hosts.get(name) as FakeHost;
  return { input, hosts, hostFor, acts: createPkiActivities({ hostFor, now: () => NOW }) };
}

type Setup = ReturnType<typeof setup>;

/** Every profile through the granular activities, in table order. */
async function ensureAll(s: Setup) {
  const results = [];
  for (const p of certificateProfiles(s.input)) {
    const base = { cluster: s.input, profile: p.name };
    if (p.kind === 'ca')
      for (const host of p.certHosts) results.push(await s.acts.ensureCA({ ...base, host }));
    if (p.kind === 'keypair')
      for (const host of p.hosts)
        results.push(await s.acts.ensureServiceAccountKey({ cluster: s.input, host }));
    if (p.kind === 'leaf') results.push(await s.acts.ensureCertificate({ ...base, host: p.host }));
    if (p.kind === 'kubeconfig') results.push(await s.acts.ensureKubeconfig({ ...base, host: p.host }));
  }
  return results;
}

function opensslVerify(caPem: string, leafPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-verify-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), caPem);
    writeFileSync(join(dir, 'leaf.crt'), leafPem);
    // At the test's clock, not the machine's.
    const at = String(Math.floor(NOW.getTime() / 1000) + 3600);
    return execFileSync('openssl', ['verify', '-attime', at, '-CAfile', 'ca.crt', 'leaf.crt'], {
      cwd: dir,
    }).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function issuedPem(s: Setup, p: Extract<PkiProfile, { kind: 'leaf' | 'kubeconfig' }>): string {
  const host = s.hostFor(p.host);
  if (p.kind === 'leaf') return host.text(p.certPath);
  const kc = readEmbeddedKubeconfig(host.text(p.path));
  assert.equal(kc.server, p.server, p.name);
  return kc.certPem ?? assert.fail(`${p.name}: no embedded certificate`);
}

for (const alg of ['ecdsa', 'rsa'] as const) {
  test(`${alg}: every profile's certificate matches its profile and verifies against its CA`, async () => {
    const s = setup(alg);
    await ensureAll(s);
    const cas = Object.fromEntries(
      certificateProfiles(s.input).flatMap((p) => (p.kind === 'ca' ? [[p.ca, p]] : [])),
    );
    for (const p of certificateProfiles(s.input)) {
      if (p.kind !== 'leaf' && p.kind !== 'kubeconfig') continue;
      const pem = issuedPem(s, p);
      const caPem = s.hostFor(p.host).text(cas[p.signer].certPath);
      assert.match(opensslVerify(caPem, pem), /leaf.crt: OK/, p.name);
      const cert = new x509.X509Certificate(pem);
      assert.equal(cert.subject, distinguishedName(p.commonName, p.organizations), p.name);
      const san = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
      assert.deepEqual(
        san.filter((n) => n.type === 'dns').map((n) => n.value),
        p.dnsNames,
        p.name,
      );
      assert.deepEqual(
        san.filter((n) => n.type === 'ip').map((n) => n.value),
        p.ipAddresses,
        p.name,
      );
      assert.equal(cert.getExtension(x509.KeyUsagesExtension)?.usages, keyUsageFlags(p.keyUsages), p.name);
      assert.deepEqual(
        Array.from(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [], String),
        p.extendedKeyUsages.map((u) => EKU_OIDS[u]),
        p.name,
      );
      assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false, p.name);
      assert.equal(cert.publicKey.algorithm.name, alg === 'rsa' ? 'RSASSA-PKCS1-v1_5' : 'ECDSA', p.name);
      assert.equal(Math.round((cert.notAfter.getTime() - NOW.getTime()) / DAY), 365, p.name);
      if (p.kind === 'leaf') {
        const key = s.hostFor(p.host).files.get(p.keyPath);
        assert.equal(key?.mode, 0o600, `${p.name} key mode`);
        assert.equal(key?.owner, 'root:root', `${p.name} key owner`);
      } else {
        assert.equal(s.hostFor(p.host).files.get(p.path)?.mode, 0o600, `${p.name} kubeconfig mode`);
      }
    }
    for (const ca of Object.values(cas)) {
      const cert = new x509.X509Certificate(s.hostFor(ca.sourceHost).text(ca.certPath));
      assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, true);
      assert.equal(Math.round((cert.notAfter.getTime() - NOW.getTime()) / DAY), 36500);
    }
  });
}

test('ensure is idempotent: the second pass changes nothing and keeps every serial', async () => {
  const s = setup('ecdsa');
  const first = await ensureAll(s);
  const writes = [...s.hosts.values()].map((h) => h.writes);
  const second = await ensureAll(s);
  assert.deepEqual(
    [...s.hosts.values()].map((h) => h.writes),
    writes,
  );
  assert.ok(second.every((r) => !r.changed));
  const serials = (rs: typeof first) => rs.map((r) => ('serial' in r ? r.serial : r.publicKeySha256));
  assert.deepEqual(serials(second), serials(first));
  assert.doesNotMatch(JSON.stringify([first, second]), /PRIVATE KEY|BEGIN/);
});

test('a key file left readable is tightened without reissuing', async () => {
  const s = setup('ecdsa');
  await ensureAll(s);
  const m2 = s.hostFor('master-2');
  const entry = m2.files.get('/etc/kubernetes/pki/etcd/peer.key');
  assert.ok(entry);
  entry.mode = 0o644;
  const before = await s.acts.inspectCertificates({ host: 'master-2' });
  const r = await s.acts.ensureCertificate({
    cluster: s.input,
    host: 'master-2',
    profile: 'certs/etcd-peer/master-2',
  });
  assert.equal(r.changed, true);
  assert.equal(r.reason, undefined);
  assert.equal(m2.files.get('/etc/kubernetes/pki/etcd/peer.key')?.mode, 0o600);
  const peer = before.certificates.find((c) => c.path === '/etc/kubernetes/pki/etcd/peer.crt');
  assert.equal(r.serial, peer?.serial);
});

test('inspectCertificates: metadata of every certificate and kubeconfig, never a key', async () => {
  const s = setup('ecdsa');
  await ensureAll(s);
  const report = await s.acts.inspectCertificates({ host: 'master-1' });
  assert.deepEqual(report.unreadable, []);
  const byPath = Object.fromEntries(report.certificates.map((c) => [c.path, c]));
  assert.equal(report.certificates.length, 3 + 7 + 5); // CAs, leaf certificates, kubeconfigs
  const api = byPath['/etc/kubernetes/pki/apiserver.crt'];
  assert.equal(api.kind, 'certificate');
  assert.equal(api.isCa, false);
  assert.equal(api.issuer, 'CN=kubernetes');
  assert.equal(api.daysLeft, 365);
  assert.match(api.fingerprintSha256, /^[0-9a-f]{64}$/);
  assert.ok(api.ipAddresses.includes('10.1.1.10'));
  assert.equal(byPath['/etc/kubernetes/pki/ca.crt'].isCa, true);
  assert.equal(byPath['/etc/kubernetes/admin.conf'].subject, 'CN=kubernetes-admin, O=hakube:cluster-admins');
  assert.equal(
    byPath['/etc/kubernetes/super-admin.conf'].subject,
    'CN=kubernetes-super-admin, O=system:masters',
  );
  assert.doesNotMatch(JSON.stringify(report), /PRIVATE KEY|BEGIN/);
  const worker = await s.acts.inspectCertificates({ host: 'worker-1' });
  assert.deepEqual(
    worker.certificates.map((c) => c.path),
    ['/etc/kubernetes/kube-proxy.conf', '/etc/kubernetes/pki/ca.crt'],
  );
});

test('mistakes are non-retryable ConfigInvalid failures naming the problem', async () => {
  const s = setup('ecdsa');
  const failure = async (p: Promise<unknown>, pattern: RegExp) => {
    const err = await p.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ConfigInvalid');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, pattern);
  };
  const base = { cluster: s.input };
  await failure(
    s.acts.ensureCertificate({ ...base, host: 'master-1', profile: 'certs/apiserver/master-1' }),
    /missing on master-1/,
  );
  await failure(
    s.acts.ensureCertificate({ ...base, host: 'master-2', profile: 'certs/apiserver/master-1' }),
    /belongs on master-1/,
  );
  await failure(s.acts.ensureCA({ ...base, host: 'worker-1', profile: 'certs/etcd-ca' }), /not for worker-1/);
  await failure(
    s.acts.ensureKubeconfig({ ...base, host: 'master-1', profile: 'certs/ca' }),
    /no kubeconfig profile/,
  );
  await s.acts.ensureCA({ ...base, host: 'master-1', profile: 'certs/ca' });
  await s.hostFor('master-1').ensureAbsent('/etc/kubernetes/pki/ca.key');
  await failure(s.acts.ensureCA({ ...base, host: 'master-1', profile: 'certs/ca' }), /ca.key is missing/);
});
