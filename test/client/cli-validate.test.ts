// `hakube validate` as a user runs it: exit 2 naming every problem's path, exit 0 on valid specs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';
import { invalidCorpus, validExamples } from '../helpers/spec-corpus';

let home = '';
before(() => {
  home = makeTempHome();
});
after(() => rmSync(home, { recursive: true, force: true }));

test('every file of the invalid corpus exits 2 and names the path of each expected problem', async () => {
  for (const c of invalidCorpus()) {
    const r = await runCli(['validate', '-f', c.file], { HOME: home });
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    for (const e of c.expects) assert.ok(r.stdout.includes(e), `${c.name}: "${e}" not in\n${r.stdout}`);
  }
});

test('valid specs (and the README example) exit 0', async () => {
  const files = [...validExamples(), join(REPO_ROOT, 'examples', 'cluster.yaml')];
  const r = await runCli(['validate', '-f', ...files], { HOME: home });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout.match(/: valid/g) ?? []).length, files.length);
});

test('--json reports problems with path, message, line and column', async () => {
  const file = invalidCorpus().find((c) => c.name === 'duplicate-address')!.file;
  const r = await runCli(['validate', '--json', '-f', file], { HOME: home });
  assert.equal(r.code, 2);
  const [report] = JSON.parse(r.stdout) as {
    valid: boolean;
    problems: { path: string; line: number; column: number }[];
  }[];
  assert.equal(report.valid, false);
  const p = report.problems.find((x) => x.path === 'spec.hosts[2].address');
  assert.ok(p && p.line > 0 && p.column > 0);
});

test('usage errors exit 2; --help exits 0 on every command', async () => {
  assert.equal((await runCli(['validate'])).code, 2);
  assert.equal((await runCli(['no-such-command'])).code, 2);
  for (const args of [
    ['--help'],
    ['validate', '--help'],
    ['server', 'start', '--help'],
    ['approve', '--help'],
    ['lab', '--help'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: hakube/);
  }
});
