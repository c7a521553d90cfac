// Typed bundle errors. The CLI maps BundleVerifyError to its own exit code; a build error
// names the component and the step that failed.

/** A bundle that must not be used: manifest invalid, a file missing or changed. */
export class BundleVerifyError extends Error {
  override name = 'BundleVerifyError';
  constructor(
    message: string,
    /** The bundle-relative file at fault, when one is. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** Assembling a bundle failed (download refused, package missing, Go build failed). */
export class BundleBuildError extends Error {
  override name = 'BundleBuildError';
  constructor(
    message: string,
    readonly component?: string,
  ) {
    super(message);
  }
}

/** A downloaded file whose sha256 differs from the published checksum. */
export class ChecksumMismatchError extends BundleBuildError {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`checksum mismatch for ${url}: published ${expected}, downloaded ${actual}`);
  }
}
