// Bundles workflow code ahead of time (production): `node dist/workers/bundle.js [OUT]`.
// The worker then loads it with `workflowBundle` instead of bundling at every start.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DEFAULT_BUNDLE_PATH } from './worker';

async function main(): Promise<void> {
  const out = process.argv[2] ?? DEFAULT_BUNDLE_PATH;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: undefined,
  });
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle failed: ${String(err)}\n`);
  process.exit(1);
});
