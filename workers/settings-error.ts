// A worker setting (flag or environment variable) that cannot be used: the CLI reports it as
// bad input, naming the setting, before anything starts.
export class WorkerSettingsError extends Error {
  override name = 'WorkerSettingsError';
}
