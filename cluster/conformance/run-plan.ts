// Which Conformance tests a run takes: those matching the focus whose images the cluster has;
// the others are reported as skipped with the images they lack. e2e.test is then given the
// exact names to run (one escaped alternation), so what runs is what the plan says.

export interface AnalyzedTest {
  name: string;
  file: string;
  line: number;
  /** e2e image ids the test uses (test-images.ts). */
  images: string[];
}

export interface SkippedTest {
  name: string;
  /** e2e image ids it needs and the cluster lacks. */
  lacks: string[];
}

export interface RunPlan {
  /** Conformance tests matching the focus. */
  selected: number;
  run: AnalyzedTest[];
  skipped: SkippedTest[];
}

/**
 * @param focus a JavaScript regular expression matched against the test name (undefined: all)
 * @param available e2e image ids the cluster has (undefined: every image, e.g. nodes that pull)
 */
export function planRun(
  tests: readonly AnalyzedTest[],
  focus: RegExp | undefined,
  available: ReadonlySet<string> | undefined,
): RunPlan {
  const selected = tests.filter((t) => !focus || focus.test(t.name));
  const run: AnalyzedTest[] = [];
  const skipped: SkippedTest[] = [];
  for (const t of selected) {
    const lacks = available ? t.images.filter((id) => !available.has(id)) : [];
    if (lacks.length) skipped.push({ name: t.name, lacks });
    else run.push(t);
  }
  return { selected: selected.length, run, skipped };
}

/** A regular expression (RE2 and JavaScript alike) matching `text` literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN). */
const MAX_ARG = 128 * 1024 - 1;

/** `--ginkgo.focus` for exactly these tests. */
export function focusFor(tests: readonly Pick<AnalyzedTest, 'name'>[]): string {
  if (!tests.length) throw new Error('no test to run');
  const focus = tests.map((t) => escapeRegex(t.name)).join('|');
  if (new TextEncoder().encode(`--ginkgo.focus=${focus}`).length > MAX_ARG)
    throw new Error(`the focus for ${tests.length} tests is over 128 KiB; narrow --focus`);
  return focus;
}
