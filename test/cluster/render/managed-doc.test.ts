// docs/configuration.md: its example spec validates and uses every hook, and its list of what
// hakube manages is the renderers' own (cluster/render/managed-doc.ts). HAKUBE_UPDATE_SNAPSHOTS=1
// rewrites the list in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateClusterSpec } from '../../../cluster/validate';
import { managedSettingsMarkdown } from '../../../cluster/render/managed-doc';
import { COMPONENTS } from '../../../cluster/render/hooks';
import { everyHookCluster } from '../../helpers/hooks-spec';
import { REPO_ROOT } from '../../helpers/temp-home';

const page = join(REPO_ROOT, 'docs', 'configuration.md');
const BEGIN = '<!-- managed-settings:begin -->\n';
const END = '<!-- managed-settings:end -->';

test('the example spec of docs/configuration.md is valid and sets every hook', () => {
  const text = readFileSync(page, 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(block, 'no yaml block');
  const r = validateClusterSpec(parse(block[1]));
  assert.ok(r.cluster, JSON.stringify(r.problems, null, 2));
  const spec = r.cluster.spec;
  assert.ok(spec.featureGates && spec.proxy?.noProxy);
  for (const component of COMPONENTS) assert.ok(spec.components?.[component]?.extraArgs, component);
  const apiserver = spec.components?.apiserver;
  assert.ok(
    apiserver?.auditPolicy &&
      apiserver.admissionConfiguration &&
      apiserver.certSANs &&
      apiserver.featureGates,
  );
  assert.ok(spec.components?.kubelet?.config);
});

test('the list of managed settings in docs/configuration.md is generated from the renderers', () => {
  const text = readFileSync(page, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  assert.ok(start >= 0 && end > start, 'markers missing');
  const generated = managedSettingsMarkdown(everyHookCluster());
  const current = text.slice(start + BEGIN.length, end);
  if (process.env.HAKUBE_UPDATE_SNAPSHOTS === '1' && current !== generated) {
    writeFileSync(page, text.slice(0, start + BEGIN.length) + generated + text.slice(end));
    return;
  }
  assert.equal(current, generated, 'docs/configuration.md is stale: run with HAKUBE_UPDATE_SNAPSHOTS=1');
  assert.match(generated, /\| `--etcd-servers` \| from the etcd hosts/);
  assert.match(generated, /\| `clusterDNS` \| from spec\.network\.clusterDNS/);
});
