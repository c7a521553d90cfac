// The Conformance tests of a built e2e.test with the e2e images each uses: names and source
// locations from `e2e.test --list-tests`, images read from the Kubernetes module's test sources
// in the Go module cache (the build put them there). A few seconds; done at each run, so the
// reading always matches the hakube that runs.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGNHOST_VERSION_FILE, parseImageTag } from '../../cluster/bundle';
import {
  E2E_IMAGE_MANIFEST,
  parseE2EImageManifest,
  parseListedConformanceTests,
  TestImageReader,
  type AnalyzedTest,
  type E2EImageTable,
  type SourceTags,
} from '../../cluster/conformance';
import { run } from '../bundle/exec';
import { goCacheDirs } from '../bundle/go-toolchain';

/** Where pause's upstream tag is set, inside the k8s.io/kubernetes module. */
export const PAUSE_MAKEFILE = 'build/pause/Makefile';

export interface ConformanceAnalysis {
  table: E2EImageTable;
  sourceTags: SourceTags;
  tests: AnalyzedTest[];
}

async function testSources(moduleDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(moduleDir, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path);
      else if (path.endsWith('.go') && !path.endsWith('_test.go'))
        out.set(path, await readFile(join(moduleDir, path), 'utf8'));
    }
  };
  await walk('test');
  return out;
}

/** `TAG ?= 3.10.2` in build/pause/Makefile. */
export function pauseTagOf(makefile: string): string | undefined {
  const m = /^TAG\s*\?=\s*(\S+)\s*$/m.exec(makefile);
  return m ? parseImageTag(m[1]) : undefined;
}

export async function analyzeConformance(opts: {
  e2eTest: string;
  kubernetesVersion: string;
  cacheDir: string;
}): Promise<ConformanceAnalysis> {
  const moduleDir = join(
    goCacheDirs(opts.cacheDir).modCache,
    'k8s.io',
    `kubernetes@${opts.kubernetesVersion}`,
  );
  const sources = await testSources(moduleDir);
  const manifest = sources.get(E2E_IMAGE_MANIFEST);
  if (!manifest) throw new Error(`${moduleDir}/${E2E_IMAGE_MANIFEST} is missing`);
  const table = parseE2EImageManifest(manifest);
  const pause = pauseTagOf(await readFile(join(moduleDir, PAUSE_MAKEFILE), 'utf8'));
  const sourceTags: Record<string, string> = {
    agnhost: parseImageTag(await readFile(join(moduleDir, AGNHOST_VERSION_FILE), 'utf8')),
    ...(pause ? { pause } : {}),
  };
  const listed = parseListedConformanceTests(
    await run(opts.e2eTest, ['--list-tests'], { captureStdout: true }),
  );
  if (!listed.length) throw new Error(`${opts.e2eTest} --list-tests: no [Conformance] test listed`);
  const reader = new TestImageReader(sources, new Set(table.images.map((i) => i.id)));
  const tests = listed.map((t) => ({ ...t, images: reader.imagesOf(t) }));
  return { table, sourceTags, tests };
}
