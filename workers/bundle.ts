// Bundles workflow code ahead of time (production): `node dist/workers/bundle.js [OUT]`.
// The worker then loads it with `workflowBundle` instead of bundling at every start. A second
// bundle, OUT with .encrypted.js, carries the failure converter payload encryption needs.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from '../client/codec/data-converter';
import { DEFAULT_BUNDLE_PATH, encryptedBundlePath } from './worker';

async function write(out: string, failureConverterPath?: string): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath,
    logger: undefined,
  });
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? DEFAULT_BUNDLE_PATH;
  await write(out);
  await write(encryptedBundlePath(out), ENCRYPTED_FAILURE_CONVERTER_PATH);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle failed: ${String(err)}\n`);
  process.exit(1);
});
