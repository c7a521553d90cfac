// What activities report to the worker's metrics (workers/metrics/ implements it on the SDK's
// meter). An interface here keeps activities free of the worker: tests and tools pass nothing
// and get NO_METRICS.

/** How a bundle verification was answered: hashed now, from the worker's cache, or refused. */
export type BundleVerification = 'verified' | 'cached' | 'refused';

export interface ActivityMetrics {
  /** A snapshot reached the backup target whole, with its metadata (a good backup). */
  snapshotStored(cluster: string, takenAt: Date): void;
  bundleVerified(how: BundleVerification): void;
}

export const NO_METRICS: ActivityMetrics = {
  snapshotStored: () => undefined,
  bundleVerified: () => undefined,
};
