// The busybox recipe: kconfig values are set whether defconfig left them unset, set otherwise
// or absent, and the pinned source is the release tarball Debian lists for trixie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_SOURCE, setKconfig } from '../../../activities/conformance/busybox-source';

test('setKconfig replaces "is not set", an old value, or appends', () => {
  const defconfig = '# CONFIG_STATIC is not set\nCONFIG_FEATURE_SH_NOFORK=y\nCONFIG_ASH=y\n';
  assert.equal(
    setKconfig(defconfig, { CONFIG_STATIC: 'y', CONFIG_ASH: 'y', CONFIG_EXTRA_CFLAGS: '""' }),
    'CONFIG_STATIC=y\nCONFIG_FEATURE_SH_NOFORK=y\nCONFIG_ASH=y\nCONFIG_EXTRA_CFLAGS=""\n',
  );
  assert.equal(setKconfig('CONFIG_STATIC=n\n', { CONFIG_STATIC: 'y' }), 'CONFIG_STATIC=y\n');
});

test('the source is busybox 1.37.0, the version of the e2e busybox image, pinned by sha256', () => {
  assert.equal(BUSYBOX_SOURCE.version, '1.37.0');
  assert.match(BUSYBOX_SOURCE.pool, /^pool\/main\/b\/busybox\/busybox_1\.37\.0\.orig\.tar\.bz2$/);
  assert.match(BUSYBOX_SOURCE.sha256, /^[0-9a-f]{64}$/);
});
