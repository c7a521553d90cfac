// The issued certificates against a real TLS peer: a 3-member etcd cluster (Debian's etcd-server)
// on loopback with client-cert auth and peer TLS, all from certificates issued by the PKI
// activities. etcdctl with an issued client certificate reads and writes; a client certificate
// from another CA, and no client certificate at all, are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPkiActivities } from '../../../activities/pki/pki-activities';
import { foreignClientCertificate } from '../../helpers/foreign-certificate';
import { pki } from '../../../cluster/layout';
import type { PkiClusterInput } from '../../../cluster/pki/input';
import { FakeHost } from '../../helpers/fake-host';
import {
  clientCredentialsAt,
  etcdAvailable,
  startLocalEtcdCluster,
  waitHealthy,
  type EtcdTlsCluster,
} from '../../helpers/local-etcd';

const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];
const dir = mkdtempSync(join(tmpdir(), 'hakube-etcd-tls-'));
let cluster: EtcdTlsCluster | undefined;

/** Copies a fake host's files under root, at their host paths (keys keep mode 0600). */
function materialize(host: FakeHost, root: string): void {
  for (const [path, entry] of host.files) {
    if (entry.dir || !entry.content) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), entry.content, { mode: entry.mode });
  }
}

const etcd = () => cluster ?? assert.fail('etcd is not running');
const rootOf = (name: string) => join(dir, 'hosts', name);

describe(
  'issued certificates on a real etcd with client-cert auth and peer TLS',
  { skip: !etcdAvailable() && 'no etcd' },
  () => {
    before(async () => {
      // Three members on one machine: every address is loopback (the SANs carry 127.0.0.1).
      const input: PkiClusterInput = {
        clusterName: 'tls',
        hosts: MEMBERS.map((name) => ({ name, address: '127.0.0.1', roles: ['control-plane', 'etcd'] })),
        controlPlaneEndpoint: { address: '127.0.0.1', port: 6443 },
        apiserverPort: 6443,
        serviceCIDR: '10.96.0.0/16',
        clusterDomain: 'cluster.local',
        keyAlgorithm: 'ecdsa',
      };
      const hosts = new Map(MEMBERS.map((name) => [name, new FakeHost(name, '127.0.0.1')]));
      const acts = createPkiActivities({ hostFor: (name) => hosts.get(name) as FakeHost });
      await acts.ensureAuthorities({ cluster: input });
      for (const name of MEMBERS) {
        await acts.ensureHostCertificates({ cluster: input, host: name });
        materialize(hosts.get(name) as FakeHost, rootOf(name));
      }
      cluster = await startLocalEtcdCluster(
        MEMBERS.map((name) => ({ name, root: rootOf(name) })),
        join(dir, 'data'),
      );
      const creds = clientCredentialsAt(rootOf('etcd-1'), pki.etcdHealthcheckClient);
      await waitHealthy(cluster, creds).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${cluster?.log('etcd-1')}`);
      });
    });

    after(async () => {
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the three members formed a cluster over peer TLS', () => {
      const r = etcd().etcdctl(clientCredentialsAt(rootOf('etcd-2'), pki.etcdHealthcheckClient), [
        'member',
        'list',
        '-w',
        'json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const members = (JSON.parse(r.stdout) as { members: { name: string; peerURLs: string[] }[] }).members;
      assert.deepEqual(members.map((m) => m.name).sort(), MEMBERS);
      assert.ok(members.every((m) => m.peerURLs[0].startsWith('https://')));
    });

    test('issued client certificates (etcdctl, kube-apiserver) put and get', () => {
      const healthcheck = clientCredentialsAt(rootOf('etcd-1'), pki.etcdHealthcheckClient);
      const apiserver = clientCredentialsAt(rootOf('etcd-3'), pki.apiserverEtcdClient);
      const put = etcd().etcdctl(healthcheck, ['put', '/hakube/check', 'issued-by-hakube']);
      assert.equal(put.code, 0, put.stderr);
      const get = etcd().etcdctl(apiserver, ['get', '/hakube/check', '--print-value-only']);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(get.stdout.trim(), 'issued-by-hakube');
    });

    test('a client certificate from another CA is refused, and so is no client certificate', async () => {
      const foreign = await foreignClientCertificate();
      const cert = join(dir, 'intruder.crt');
      const key = join(dir, 'intruder.key');
      writeFileSync(cert, foreign.certPem);
      writeFileSync(key, foreign.keyPem, { mode: 0o600 });
      const cacert = join(rootOf('etcd-1'), pki.etcdCa.cert);
      const refused = etcd().etcdctl({ cacert, cert, key }, ['get', '/hakube/check']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /certificate|tls|deadline/i);
      const anonymous = etcd().etcdctl({ cacert }, ['get', '/hakube/check']);
      assert.notEqual(anonymous.code, 0);
      // Control: the same command with an issued certificate works, so the certificate was the cause.
      const issued = clientCredentialsAt(rootOf('etcd-1'), pki.etcdHealthcheckClient);
      const control = etcd().etcdctl(issued, ['get', '/hakube/check']);
      assert.equal(control.code, 0, control.stderr);
    });
  },
);
