// The command line of a conformance run: e2e.test itself (one process, tests one after another),
// or, with parallel > 1, the ginkgo CLI running e2e.test on that many processes ([Serial] tests
// still run alone, at the end). Arguments are an argv, never a shell string.
export interface E2ECommandInput {
  e2eTest: string;
  ginkgo: string;
  kubeconfig: string;
  junit: string;
  /** --ginkgo.focus regular expression (run-plan.ts focusFor). */
  focus: string;
  /** Ginkgo duration, e.g. 6h. */
  timeout: string;
  parallel: number;
}

/** e2e.test's own flags: the cluster, no cloud provider, conformance's node expectations. */
function programArgs(input: E2ECommandInput): string[] {
  return [
    `--kubeconfig=${input.kubeconfig}`,
    '--provider=skeleton',
    // As sonobuoy runs conformance: control-plane taints do not block the suite's node checks.
    '--non-blocking-taints=node-role.kubernetes.io/control-plane,node-role.kubernetes.io/master',
    '--disable-log-dump',
  ];
}

export function e2eCommand(input: E2ECommandInput): { binary: string; args: string[] } {
  if (!Number.isInteger(input.parallel) || input.parallel < 1) throw new Error(`parallel: ${input.parallel}`);
  const ginkgo = {
    focus: input.focus,
    'junit-report': input.junit,
    timeout: input.timeout,
  };
  if (input.parallel === 1)
    return {
      binary: input.e2eTest,
      args: [
        ...programArgs(input),
        ...Object.entries(ginkgo).map(([k, v]) => `--ginkgo.${k}=${v}`),
        '--ginkgo.no-color',
      ],
    };
  return {
    binary: input.ginkgo,
    args: [
      `--procs=${input.parallel}`,
      ...Object.entries(ginkgo).map(([k, v]) => `--${k}=${v}`),
      '--no-color',
      input.e2eTest,
      '--',
      ...programArgs(input),
    ],
  };
}
