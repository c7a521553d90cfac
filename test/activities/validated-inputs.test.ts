// The worker refuses a spec the CLI would refuse, whoever started the workflow: every activity
// checks the cluster spec in its input before it reaches a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { Cluster } from '../../cluster/spec';
import { pkiCluster } from '../helpers/pki-cluster';

const noHosts = {
  hostFor(): never {
    throw new Error('a host was reached');
  },
};

test('an activity handed a hostile spec is refused, naming the field, before any host is reached', async () => {
  const acts = createActivities({ version: 'test', hosts: noHosts });
  const base = pkiCluster();
  const hostile = {
    ...base,
    spec: { ...base.spec, etcd: { ...base.spec.etcd, dataDir: '/var/lib/etcd\nExecStartPre=/bin/sh -c id' } },
  } as Cluster;
  await assert.rejects(
    acts.ensureEtcdMember({ cluster: hostile, host: 'master-1' } as never),
    (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure);
      assert.equal(e.type, 'SpecInvalid');
      assert.equal(e.nonRetryable, true);
      assert.match(
        e.message,
        /^ensureEtcdMember: the cluster spec it was given is refused: spec\.etcd\.dataDir: /,
      );
      return true;
    },
  );
  // A valid spec goes through to the activity (which then needs a host).
  await assert.rejects(
    acts.ensureEtcdMember({ cluster: base, host: 'master-1' } as never),
    /a host was reached/,
  );
});
