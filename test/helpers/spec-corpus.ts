// The invalid-spec corpus: each file names, in `# expect:` header lines, problems that must be reported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_FIXTURES } from './temp-home';

export interface CorpusCase {
  name: string;
  file: string;
  expects: string[];
}

export function invalidCorpus(): CorpusCase[] {
  const dir = join(SPEC_FIXTURES, 'invalid');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const expects = [...readFileSync(file, 'utf8').matchAll(/^# expect: (.+)$/gm)].map((m) => m[1].trim());
      return { name: f.replace(/\.yaml$/, ''), file, expects };
    });
}

export function validExamples(): string[] {
  const dir = join(SPEC_FIXTURES, 'valid');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
}
