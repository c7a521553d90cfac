// Offline bundle I/O: build (release | source | debian), verify.
export { buildBundle, bundlesDir, type BuildBundleInput, type BuildBundleResult } from './build';
export { verifyBundle, readManifest, type BundleVerifyReport } from './verify';
export { BundleBuildError, BundleVerifyError, ChecksumMismatchError } from './errors';
export { downloadVerified, fetchPublishedSha256 } from './download';
export { verifyImageArchive, type ImageArchiveReport } from './image-archive';
export { buildImages, ensureImageBuilder, runImageBuilder, type ImageSpec } from './images';
export type { ImageSelection } from './resolve';
