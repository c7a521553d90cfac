// The worker process of a proof lab inherits this process's environment when the session starts
// it (test/helpers/worker-process.ts): set what it should see (the SSH trace or recording) for
// that moment only, so later scenarios start workers without it.
export async function withWorkerEnv<T>(vars: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const before = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  try {
    return await start();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
