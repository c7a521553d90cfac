// spec.approvals.approvers: `--yes` from someone who is not listed is refused before the CLI
// connects (exit 2, naming who may approve).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { before } from 'node:test';
import { exampleSpecHome, runCli } from '../helpers/cli';

const home = exampleSpecHome();
before(() => appendFileSync(home.spec(), '  approvals:\n    approvers: [someone-else]\n'));

test('--yes from a user who is not an approver is refused before anything connects', async () => {
  for (const args of [
    ['reset', '-f', home.spec(), '--yes'],
    ['node', 'remove', '-f', home.spec(), '--node', 'worker-2', '--yes'],
    ['certs', 'rotate', '-f', home.spec(), '--yes'],
  ]) {
    const r = await runCli(args, home.env());
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      /--yes: .* is not an approver of prod-eu1 \(spec\.approvals\.approvers: someone-else\)/,
    );
  }
});
