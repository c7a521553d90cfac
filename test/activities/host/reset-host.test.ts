// The shell a reset runs on a host, run here by sh on folders of a temporary directory (with a
// stand-in systemctl): the inspection prints what parseInspection reads, and a move aside is
// done once, recognised as done afterwards, and never overwrites what has the name already.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectionScript, moveAsideCommand } from '../../../activities/host/reset-host';
import { asidePath, parseInspection, type HostResetPlan, type ResetMove } from '../../../cluster/plan/reset';

const STAMP = '20261123T104500Z';
let dir = '';
let state = '';
let bin = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hakube-reset-'));
  state = join(dir, 'units');
  bin = join(dir, 'bin');
  mkdirSync(state);
  mkdirSync(bin);
  // is-active prints a state (inactive when unknown); is-enabled prints nothing for a unit that is not there.
  writeFileSync(
    join(bin, 'systemctl'),
    [
      '#!/bin/sh',
      `f=${state}/$2`,
      'case $1 in',
      '  is-active) if [ -f "$f.active" ]; then cat "$f.active"; else echo inactive; exit 3; fi ;;',
      '  is-enabled) if [ -f "$f.enabled" ]; then cat "$f.enabled"; else echo "Failed to get unit file state for $2.service" >&2; exit 1; fi ;;',
      'esac',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string): string {
  return execFileSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` } }).toString();
}

const move = (name: string): ResetMove => {
  const path = join(dir, name);
  return { path, aside: asidePath(path, STAMP), what: name };
};

test('the inspection reports units, unit files (ours or not) and paths; parseInspection reads it', () => {
  writeFileSync(join(state, 'kubelet.active'), 'active\n');
  writeFileSync(join(state, 'kubelet.enabled'), 'enabled\n');
  writeFileSync(join(state, 'haproxy.active'), 'failed\n');
  writeFileSync(join(state, 'haproxy.enabled'), 'disabled\n');
  const ours = join(dir, 'kubelet.service');
  const theirs = join(dir, 'containerd.service');
  writeFileSync(ours, '[Unit]\nDescription=Kubernetes kubelet (hakube)\n');
  writeFileSync(theirs, '[Unit]\nDescription=containerd from a package\n');
  const data = move("etcd data's dir");
  const conf = move('haproxy.cfg');
  mkdirSync(data.path);
  writeFileSync(conf.aside, 'moved earlier\n');
  const plan: HostResetPlan = {
    host: 'h1',
    stamp: STAMP,
    units: [
      { unit: 'kubelet', packaged: false },
      { unit: 'etcd', packaged: false },
      { unit: 'haproxy', packaged: true },
    ],
    unitFiles: [ours, theirs, join(dir, 'etcd.service')],
    moves: [data, conf, move('absent')],
    removePods: false,
  };
  const seen = parseInspection(plan, sh(inspectionScript(plan)), '');
  assert.deepEqual(seen.units, [
    { unit: 'kubelet', active: 'active', enabled: 'enabled' },
    { unit: 'etcd', active: 'inactive', enabled: 'none' },
    { unit: 'haproxy', active: 'failed', enabled: 'disabled' },
  ]);
  assert.deepEqual(seen.unitFiles, [ours]);
  assert.deepEqual(seen.foreignUnitFiles, [theirs]);
  assert.deepEqual(seen.present, [data.path]);
  assert.deepEqual(seen.asideTaken, [conf.aside]);
});

test('a folder moves aside whole, once; a retry finds it done; a missing one is absent', () => {
  const m = move('kubelet');
  mkdirSync(join(m.path, 'pki'), { recursive: true });
  writeFileSync(join(m.path, 'pki', 'kubelet.crt'), 'cert\n');
  assert.equal(sh(moveAsideCommand(m)).trim(), 'moved');
  assert.equal(existsSync(m.path), false);
  assert.equal(readFileSync(join(m.aside, 'pki', 'kubelet.crt'), 'utf8'), 'cert\n');
  assert.equal(sh(moveAsideCommand(m)).trim(), 'done');
  assert.equal(sh(moveAsideCommand(move('never-there'))).trim(), 'absent');
});

test('a path there again next to its moved copy is a conflict: nothing is overwritten or moved into it', () => {
  const m = move('kubernetes');
  mkdirSync(m.aside);
  writeFileSync(join(m.aside, 'admin.conf'), 'old\n');
  mkdirSync(m.path);
  writeFileSync(join(m.path, 'admin.conf'), 'new\n');
  assert.equal(sh(moveAsideCommand(m)).trim(), 'conflict');
  assert.equal(readFileSync(join(m.aside, 'admin.conf'), 'utf8'), 'old\n');
  assert.equal(readFileSync(join(m.path, 'admin.conf'), 'utf8'), 'new\n');
  assert.equal(existsSync(join(m.aside, 'kubernetes')), false);
});

test('a symbolic link moves as the link; what it points to stays where it is', () => {
  const target = join(dir, 'real-etcd');
  mkdirSync(target);
  const m = move('etcd-link');
  symlinkSync(target, m.path);
  assert.equal(sh(moveAsideCommand(m)).trim(), 'moved');
  assert.equal(readlinkSync(m.aside), target);
  assert.equal(existsSync(target), true);
  // A dangling link is still something to move.
  const dangling = move('dangling');
  symlinkSync(join(dir, 'nowhere'), dangling.path);
  assert.equal(sh(moveAsideCommand(dangling)).trim(), 'moved');
  assert.equal(readlinkSync(dangling.aside), join(dir, 'nowhere'));
});
