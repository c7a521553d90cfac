// The CIS rows (bench/proof/measure/cis-rows.ts) against what hakube renders: every row that is
// not a written exception passes for the flags, configurations and modes hakube writes, and a
// weakened flag, configuration or mode is caught. (security/cis checks the running lab hosts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_KUBECONFIGS,
  CIS_ROWS,
  CONTROLLER_KUBECONFIGS,
  CONTROL_PLANE_KEY_FILES,
  ETCD_DATA_DIR,
  evaluateCisRows,
  NODE_KUBECONFIGS,
  parseFlags,
  type HostFacts,
} from '../../../bench/proof/measure/cis-rows';
import { files, kubeconfigs, pki } from '../../../cluster/layout';
import {
  apiserverFlags,
  controllerManagerFlags,
  schedulerFlags,
} from '../../../cluster/render/control-plane';
import type { Flag } from '../../../cluster/render/flags';
import { etcdFlags } from '../../../cluster/render/etcd';
import { renderEncryptionConfig } from '../../../cluster/render/encryption';
import { renderKubeletConfig, renderKubeProxyConfig } from '../../../cluster/render/node';
import { pkiCluster } from '../../helpers/pki-cluster';

const asCmdline = (bin: string, flags: Flag[]) =>
  [bin, ...flags.map(([k, v]) => `--${k}=${String(v)}`)].join('\0');

function renderedFacts(): HostFacts {
  const c = pkiCluster();
  const m1 = c.spec.hosts[0];
  return {
    host: m1.name,
    controlPlane: true,
    etcd: true,
    flags: {
      'kube-apiserver': parseFlags(asCmdline('kube-apiserver', apiserverFlags(c, m1))),
      'kube-controller-manager': parseFlags(asCmdline('kcm', controllerManagerFlags(c))),
      'kube-scheduler': parseFlags(asCmdline('ks', schedulerFlags())),
      etcd: parseFlags(asCmdline('etcd', etcdFlags(c, m1))),
    },
    configs: {
      [files.kubeletConfig]: renderKubeletConfig(c),
      [files.kubeProxyConfig]: renderKubeProxyConfig(c, m1),
      [files.encryptionConfig]: renderEncryptionConfig([
        { name: 'key1', secret: Buffer.alloc(32).toString('base64') },
      ]),
    },
    modes: Object.fromEntries([
      [ETCD_DATA_DIR, '700 root:root'],
      ...[
        ...CONTROL_PLANE_KEY_FILES,
        ...ADMIN_KUBECONFIGS,
        ...CONTROLLER_KUBECONFIGS,
        ...NODE_KUBECONFIGS,
      ].map((p) => [p, '600 root:root']),
    ]),
  };
}

test('every row hakube answers for passes for what it renders; the others are written exceptions', () => {
  const rows = evaluateCisRows(CIS_ROWS, [renderedFacts()]);
  assert.deepEqual(
    rows.filter((r) => r.status === 'FAIL').map((r) => `${r.id} ${r.evidence}`),
    [],
  );
  assert.ok(rows.filter((r) => r.status === 'pass').length >= 40);
  for (const r of rows.filter((x) => x.status === 'exception')) assert.ok(r.evidence.length > 20, r.id);
});

test('a weakened flag, configuration or mode fails its row', () => {
  const weak = renderedFacts();
  weak.flags['kube-apiserver'].profiling = 'true';
  weak.flags['kube-apiserver']['tls-cipher-suites'] += ',TLS_RSA_WITH_AES_128_CBC_SHA';
  weak.flags.etcd['client-cert-auth'] = 'false';
  weak.configs[files.kubeletConfig] = weak.configs[files.kubeletConfig].replace(
    'readOnlyPort: 0',
    'readOnlyPort: 10255',
  );
  weak.modes[pki.ca.key] = '644 root:root';
  weak.modes[kubeconfigs.superAdmin] = '640 root:root';
  const failed = evaluateCisRows(CIS_ROWS, [weak])
    .filter((r) => r.status === 'FAIL')
    .map((r) => r.id)
    .sort();
  assert.deepEqual(failed, ['1.1.13-14', '1.1.x', '1.2.15', '1.2.29', '2.2', '4.2.4']);
});

test('process command lines: --a=b, --a b and bare --flag', () => {
  assert.deepEqual(parseFlags(['bin', '--a=b', '--c', 'd', '--e', '--f=x=y'].join('\0')), {
    a: 'b',
    c: 'd',
    e: 'true',
    f: 'x=y',
  });
});
