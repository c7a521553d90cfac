// Offline bundle I/O: build (release | source | debian), verify, Go build information.
export { buildBundle, bundlesDir, type BuildBundleInput, type BuildBundleResult } from './build';
export { verifyBundle, readManifest, type BundleVerifyReport } from './verify';
export { BundleBuildError, BundleVerifyError, ChecksumMismatchError } from './errors';
export { downloadVerified, fetchPublishedSha256 } from './download';
export { verifyImageArchive, type ImageArchiveReport } from './image-archive';
export { buildImages, ensureImageBuilder, runImageBuilder, type ImageSpec } from './images';
export type { ImageSelection } from './resolve';
export { backfillGoBuildInfo, goVersionM, recordGoBuildInfo, type RecordedGoBuildInfo } from './go-buildinfo';
export { findGo, type GoToolchain } from './go-toolchain';
