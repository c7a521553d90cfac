import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certReport, needsAttention, type FoundCert } from '../../../cluster/pki/cert-report';
import { pkiInputFromCluster } from '../../../cluster/pki/input';
import { profilesForHost } from '../../../cluster/pki/profiles';
import { pkiCluster } from '../../helpers/pki-cluster';

const input = pkiInputFromCluster(pkiCluster());
const expected = profilesForHost(input, 'master-1');

function found(path: string, over: Partial<FoundCert> = {}): FoundCert {
  return {
    path,
    kind: path.endsWith('.conf') ? 'kubeconfig' : 'certificate',
    subject: 'CN=x',
    issuer: 'CN=kubernetes',
    serial: '01',
    notAfter: '2027-11-23T00:00:00.000Z',
    daysLeft: 365,
    dnsNames: [],
    ipAddresses: [],
    selfSigned: false,
    signedBy: 'kubernetes-ca',
    ...over,
  };
}

/** Every certificate the table puts on master-1, as an install leaves them. */
function installed(): FoundCert[] {
  return expected.flatMap((p) => {
    if (p.kind === 'ca') return [found(p.certPath, { selfSigned: true, signedBy: p.ca, daysLeft: 36500 })];
    if (p.kind === 'leaf') return [found(p.certPath, { dnsNames: p.dnsNames, ipAddresses: p.ipAddresses })];
    if (p.kind === 'kubeconfig') return [found(p.path)];
    return [];
  });
}

const report = (certs: FoundCert[], unreadable: string[] = []) =>
  certReport({ host: 'master-1', expected, found: certs, unreadable, renewBeforeDays: 30 });

test('a freshly installed host: every certificate of the table there and ok', () => {
  const rows = report(installed());
  assert.ok(rows.length > 10, `${rows.length} rows`);
  assert.deepEqual(needsAttention(rows), []);
  assert.ok(
    rows.every((r) => r.profile),
    'each row names its profile',
  );
});

test('expired, renew soon, wrong SANs, unknown CA, missing, unreadable; the kubelet serving cert is informational', () => {
  const certs = installed();
  const at = (suffix: string) => certs.findIndex((c) => c.path.endsWith(suffix));
  certs[at('/pki/apiserver.crt')] = { ...certs[at('/pki/apiserver.crt')], dnsNames: ['kubernetes'] };
  certs[at('/etcd/server.crt')] = { ...certs[at('/etcd/server.crt')], daysLeft: 1 };
  certs[at('/etcd/peer.crt')] = { ...certs[at('/etcd/peer.crt')], daysLeft: -3 };
  certs[at('/admin.conf')] = { ...certs[at('/admin.conf')], signedBy: undefined, issuer: 'CN=someone-else' };
  certs.splice(at('/front-proxy-client.crt'), 1);
  certs.push(
    found('/var/lib/kubelet/pki/kubelet.crt', { signedBy: undefined, issuer: 'CN=master-1-ca@1700000000' }),
    found('/var/lib/kubelet/pki/kubelet-client-current.pem'),
  );
  const rows = report(certs, ['/etc/kubernetes/pki/broken.crt']);
  const statusOf = (suffix: string) => rows.find((r) => r.path.endsWith(suffix));
  assert.equal(statusOf('/pki/apiserver.crt')?.status, 'wrong-sans');
  assert.match(statusOf('/pki/apiserver.crt')?.detail ?? '', /missing kubernetes\.default/);
  assert.equal(statusOf('/etcd/server.crt')?.status, 'renew-soon');
  assert.equal(statusOf('/etcd/peer.crt')?.status, 'expired');
  assert.equal(statusOf('/admin.conf')?.status, 'unknown-ca');
  assert.equal(statusOf('/front-proxy-client.crt')?.status, 'missing');
  assert.equal(statusOf('/broken.crt')?.status, 'unreadable');
  assert.equal(statusOf('/kubelet.crt')?.status, 'self-signed');
  assert.equal(statusOf('/kubelet-client-current.pem')?.status, 'ok');
  assert.equal(statusOf('/kubelet-client-current.pem')?.profile, undefined);
  assert.deepEqual(
    needsAttention(rows)
      .map((r) => r.status)
      .sort(),
    ['expired', 'missing', 'renew-soon', 'unknown-ca', 'unreadable', 'wrong-sans'],
  );
});
