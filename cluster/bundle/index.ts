// Offline artifact bundles: pure model (component table, manifest, release URLs, checksum
// formats, --from parsing, version choices). I/O lives in activities/bundle.
export * from './components';
export * from './manifest';
export * from './images';
export * from './checksums';
export * from './release-urls';
export * from './from-spec';
export * from './versions';
export * from './cache-key';
export * from './gomod';
export * from './debian-packages';
export * from './compatibility';
export * from './go-buildinfo';
