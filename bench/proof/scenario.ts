// What one proof scenario is: a claim checked (or a figure measured) on real components, and the
// record it leaves in the results folder. Scenarios run one after another (`npm run proof`).

export type ProofKind = 'fault' | 'input' | 'security' | 'bench' | 'upgrade' | 'conformance';

/** What a scenario reports; the runner adds its name, kind, claim and duration. */
export interface ScenarioOutcome {
  /** The claim held (benchmarks: the measurement completed). */
  ok: boolean;
  /** One line for the summary table: the figures a reader wants first. */
  summary: string;
  /** Named figures, machine-readable (seconds, counts, ratios, MiB). */
  figures: Record<string, number | string | boolean>;
  /** Anything else worth keeping (per-run rows, failures seen, history excerpts without secrets). */
  details?: unknown;
}

export interface ProofContext {
  /** This run's results folder (results/proof/<stamp>/); a scenario may write extra files here. */
  resultsDir: string;
  /** Progress on stderr, prefixed with the scenario's name. */
  log(line: string): void;
}

export interface ProofScenario {
  /** Stable, hierarchical: `fault/worker-kills`, `security/history-secrets`, `bench/install`. */
  name: string;
  kind: ProofKind;
  /** What is being shown, in one sentence. */
  claim: string;
  /** Rough wall time on a 2-core machine, for `--list` and planning. */
  minutes: number;
  run(ctx: ProofContext): Promise<ScenarioOutcome>;
}

export interface ProofResult extends ScenarioOutcome {
  scenario: string;
  kind: ProofKind;
  claim: string;
  seconds: number;
  startedAt: string;
  /** The scenario threw: the message (ok is then false). */
  error?: string;
}
