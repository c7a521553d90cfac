// `hakube kubeconfig` on the installed lab, run as a user runs it: the admin kubeconfig, and one
// for a named user whose own client certificate the apiserver accepts as that user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hakubeCache } from '../../../client/paths';
import { DEFAULT_ARCH } from '../../../cluster/bundle';
import { LAB_KUBERNETES_VERSION } from '../../../lab/spec';
import { runCli } from '../../helpers/cli';
import type { InstalledLab } from './installed-lab';

const kubectlBinary = () =>
  join(hakubeCache(), 'bundles', `${LAB_KUBERNETES_VERSION}-${DEFAULT_ARCH}`, 'bin', 'kubectl');

export function registerKubeconfigTests(ctx: InstalledLab): void {
  test('hakube kubeconfig: the admin one, and a user with its own certificate the apiserver knows by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-kubeconfig-'));
    try {
      const kubectl = (file: string, args: string[]) =>
        execFileSync(kubectlBinary(), ['--kubeconfig', file, '--request-timeout=20s', ...args]).toString();
      const admin = join(dir, 'admin.conf');
      let r = await runCli(['kubeconfig', '-f', ctx.lab.specPath, '-o', admin]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        kubectl(admin, ['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}']),
        new RegExp(`^https://${ctx.lab.vip}:`),
      );
      assert.equal(kubectl(admin, ['get', '--raw', '/readyz']), 'ok');

      const alice = join(dir, 'alice.conf');
      r = await runCli([
        'kubeconfig',
        '-f',
        ctx.lab.specPath,
        '--user',
        'alice',
        '--group',
        'ops',
        '--days',
        '2',
        '-o',
        alice,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(alice).mode & 0o777, 0o600);
      const review = JSON.parse(kubectl(alice, ['auth', 'whoami', '-o', 'json'])) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      assert.equal(review.status.userInfo.username, 'alice');
      assert.ok(review.status.userInfo.groups.includes('ops'), JSON.stringify(review));
      // alice has no RBAC yet: she is who she says, and may do nothing.
      assert.throws(() => kubectl(alice, ['get', 'nodes']), /forbidden/);

      r = await runCli(['kubeconfig', '-f', ctx.lab.specPath, '--group', 'ops']);
      assert.equal(r.code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
