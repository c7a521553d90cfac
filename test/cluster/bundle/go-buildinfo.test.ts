import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GoBuildInfoParseError,
  bundleManifestSchema,
  goBuildInfoColumns,
  goBuiltBinaries,
  goImageBinary,
  goUnquote,
  parseGoVersionM,
  renderGoVersionM,
  withGoBuildInfo,
  type BundleManifest,
  type GoBuildInfo,
} from '../../../cluster/bundle';

// Real `go version -m` output (go1.26.8): a (devel) main module, a module replaced by another
// version (the dependency line has no sum, the `=>` line has it), a module replaced by a
// local folder, a quoted -ldflags (no -trimpath), then crictl as `hakube bundle build` builds
// it (main module from the proxy with its sum, -trimpath; dependency lines shortened to 3).
const DEFAULT_GODEBUG =
  'asynctimerchan=1,containermaxprocs=0,cryptocustomrand=1,decoratemappings=0,gotestjsonbuildtext=1,gotypesalias=0,httpcookiemaxnum=0,httpservecontentkeepheaders=1,multipathtcp=0,randseednop=0,rsa1024min=0,tls3des=1,tlsmlkem=0,tlssecpmlkem=0,tlssha1=1,updatemaxprocs=0,urlmaxqueryparams=0,urlstrictcolons=0,winreadlinkvolume=0,winsymlink=0,x509keypairleaf=0,x509negativeserial=1,x509rsacrt=0,x509sha256skid=0,x509usepolicies=0';
const GREET_SUM = 'h1:ZDHqn0PC0rskkrfPkufdHsmWr/h9AJLHx5zXdapcabc=';
const CRICTL = 'cache/go/out/crictl-v1.36.0-amd64-go1.26.8-86fa9382f19e/crictl';
const SAMPLE = [
  'hello2.bin: go1.26.8',
  '\tpath\texample.com/hello',
  '\tmod\texample.com/hello\t(devel)\t',
  '\tdep\texample.com/greet\tv1.0.0',
  `\t=>\texample.com/greet\tv1.1.0\t${GREET_SUM}`,
  '\t',
  '\tdep\texample.com/local\tv0.0.0',
  '\t=>\t../localdep\t(devel)\t',
  '\t',
  '\tbuild\t-buildmode=exe',
  '\tbuild\t-compiler=gc',
  '\tbuild\t-ldflags="-s -w -X \\"main.version=v1 beta\\""',
  '\tbuild\t-tags=netgo',
  `\tbuild\tDefaultGODEBUG=${DEFAULT_GODEBUG}`,
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tGOARCH=amd64',
  '\tbuild\tGOOS=linux',
  '\tbuild\tGOAMD64=v1',
  `${CRICTL}: go1.26.8`,
  '\tpath\tsigs.k8s.io/cri-tools/cmd/crictl',
  '\tmod\tsigs.k8s.io/cri-tools\tv1.36.0\th1:Xt+LLvBVH1Fnp/AR2EyHApyWS/88y2KlWjlDc2HR+aw=',
  '\tdep\tgithub.com/Masterminds/semver/v3\tv3.4.0\th1:Zog+i5UMtVoCU8oKka5P7i9q9HgrJeGzI9SA1Xbatp0=',
  '\tdep\tgithub.com/docker/docker\tv28.5.2+incompatible\th1:DBX0Y0zAjZbSrm1uzOkdr1onVghKaftjlSWt4AFexzM=',
  '\tdep\tgithub.com/davecgh/go-spew\tv1.1.2-0.20180830191138-d8f796af33cc\th1:U9qPSI2PIWSS1VwoXQT9A3Wy9MM3WgvqSxFWenqJduM=',
  '\tbuild\t-buildmode=exe',
  '\tbuild\t-compiler=gc',
  '\tbuild\t-trimpath=true',
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tGOARCH=amd64',
  '\tbuild\tGOOS=linux',
  '\tbuild\tGOAMD64=v1',
  '',
].join('\n');

test('parses real `go version -m` output: (devel) main module, => replacements, quoted settings', () => {
  const [hello, crictl, ...rest] = parseGoVersionM(SAMPLE);
  assert.equal(rest.length, 0);
  assert.equal(hello.file, 'hello2.bin');
  assert.deepEqual(hello.info.main, { path: 'example.com/hello', version: '(devel)' });
  assert.equal(hello.info.goVersion, 'go1.26.8');
  assert.equal(hello.info.path, 'example.com/hello');
  assert.deepEqual(hello.info.deps, [
    {
      path: 'example.com/greet',
      version: 'v1.0.0',
      replace: { path: 'example.com/greet', version: 'v1.1.0', sum: GREET_SUM },
    },
    { path: 'example.com/local', version: 'v0.0.0', replace: { path: '../localdep', version: '(devel)' } },
  ]);
  assert.equal(hello.info.settings['-ldflags'], '-s -w -X "main.version=v1 beta"');
  assert.equal(hello.info.settings.DefaultGODEBUG, DEFAULT_GODEBUG);
  assert.deepEqual(Object.keys(hello.info.settings).slice(-4), ['CGO_ENABLED', 'GOARCH', 'GOOS', 'GOAMD64']);

  assert.equal(crictl.file, CRICTL);
  assert.equal(crictl.info.main?.sum, 'h1:Xt+LLvBVH1Fnp/AR2EyHApyWS/88y2KlWjlDc2HR+aw=');
  assert.deepEqual(
    crictl.info.deps.map((d) => `${d.path}@${d.version}`),
    [
      'github.com/Masterminds/semver/v3@v3.4.0',
      'github.com/docker/docker@v28.5.2+incompatible',
      'github.com/davecgh/go-spew@v1.1.2-0.20180830191138-d8f796af33cc',
    ],
  );
  assert.equal(crictl.info.settings['-trimpath'], 'true');
  assert.equal(crictl.info.settings['-ldflags'], undefined); // Go drops it under -trimpath
  assert.deepEqual(goBuildInfoColumns(crictl.info), [
    'go1.26.8',
    'sigs.k8s.io/cri-tools/cmd/crictl',
    'sigs.k8s.io/cri-tools@v1.36.0',
    '3 modules',
    'linux/amd64 CGO_ENABLED=0 -trimpath',
  ]);
  assert.equal(
    goBuildInfoColumns(hello.info)[4],
    'linux/amd64 CGO_ENABLED=0 -ldflags="-s -w -X \\"main.version=v1 beta\\""',
  );
});

test('rendering gives back the exact `go version -m` text', () => {
  const text = parseGoVersionM(SAMPLE)
    .map((e) => renderGoVersionM(e.file, e.info))
    .join('');
  assert.equal(text, SAMPLE);
});

test('a replaced main module (etcd replaces its own server module): parsed and rendered back exactly', () => {
  // As go1.26.8 prints it for the bundle's etcd (its first lines).
  const etcd = [
    'bin/etcd: go1.26.8',
    '\tpath\tgo.etcd.io/etcd/server/v3',
    '\tmod\tgo.etcd.io/etcd/server/v3\tv3.7.3',
    '\t=>\tgo.etcd.io/etcd/server/v3\tv3.7.3\th1:KcTZ/aEZrOiQe0/kdr7iYYcvyfbEoOwDOacHkz8xwZc=',
    '\t',
    '\tdep\tgo.etcd.io/etcd/api/v3\tv3.7.3',
    '\t=>\tgo.etcd.io/etcd/api/v3\tv3.7.3\th1:2tumepXe+wi7Wab64uUO71K7ISQyUWLGC1DJbbc59sY=',
    '\t',
    '\tbuild\tGOOS=linux',
    '',
  ].join('\n');
  const [entry] = parseGoVersionM(etcd);
  assert.deepEqual(entry.info.main, {
    path: 'go.etcd.io/etcd/server/v3',
    version: 'v3.7.3',
    replace: {
      path: 'go.etcd.io/etcd/server/v3',
      version: 'v3.7.3',
      sum: 'h1:KcTZ/aEZrOiQe0/kdr7iYYcvyfbEoOwDOacHkz8xwZc=',
    },
  });
  assert.equal(entry.info.deps[0].replace?.path, 'go.etcd.io/etcd/api/v3');
  assert.equal(renderGoVersionM(entry.file, entry.info), etcd);
});

test('the parser refuses what is not `go version -m` output, or data outside the allow-lists', () => {
  const head = 'bin/x: go1.26.8\n\tpath\texample.com/x\n';
  const refused = (text: string, why: RegExp) =>
    assert.throws(
      () => parseGoVersionM(text),
      (err: Error) => err instanceof GoBuildInfoParseError && why.test(err.message),
    );
  refused(`${head}\tdep\texample.com/a\tv1.0.0\th1:short=\n`, /deps\.0\.sum/);
  refused(`${head}\tdep\texample.com/a\t1.0.0\n`, /deps\.0\.version/);
  refused(`${head}\tdep\texample.com/a b\tv1.0.0\n`, /deps\.0\.path/);
  refused(`${head}\tdep\texample.com/../a\tv1.0.0\n`, /deps\.0\.path/);
  refused(`${head}\t=>\texample.com/a\tv1.0.0\n`, /does not follow a module without a sum/);
  refused(
    `${head}\tdep\texample.com/a\tv1.0.0\t${GREET_SUM}\n\t=>\texample.com/b\tv1.0.0\n`,
    /does not follow/,
  );
  refused(`${head}\tbogus\tx\n`, /unexpected line/);
  refused(`${head}\tbuild\tno-equals\n`, /without/);
  refused(`${head}\tbuild\tK=1\n\tbuild\tK=2\n`, /twice/);
  refused('bin/x: go1.26.8\n\tbuild\tGOOS=linux\n', /no module information/);
  refused('\tpath\texample.com/x\n', /before a file line/);
  refused('bin/x: gcc 12\n\tpath\texample.com/x\n', /goVersion/);
});

test('Go string literals in build settings are unquoted as strconv.Unquote does', () => {
  assert.equal(goUnquote('"a\\"b\\\\c"'), 'a"b\\c');
  assert.equal(goUnquote('"\\x41\\u00e9\\303\\251\\t"'), 'Aéé\t');
  assert.equal(goUnquote('`raw "x" \\n`'), 'raw "x" \\n');
  assert.throws(() => goUnquote('"open'), GoBuildInfoParseError);
  assert.throws(() => goUnquote('"bad \\q"'), GoBuildInfoParseError);
  const text = 'x: go1.26.8\n\tpath\tp\n\tbuild\t-gcflags="all=-N \\"-l\\"\\t"\n';
  const [e] = parseGoVersionM(text);
  assert.deepEqual(e.info.settings, { '-gcflags': 'all=-N "-l"\t' });
  assert.equal(renderGoVersionM('x', e.info), text);
  // A quoted key is read, then held to the allow-list of setting names.
  assert.throws(() => parseGoVersionM('x: go1.26.8\n\tpath\tp\n\tbuild\t"odd key"=v\n'), /settings/);
});

const info = (main: string): GoBuildInfo => ({
  goVersion: 'go1.26.8',
  path: `${main}/cmd/x`,
  main: { path: main, version: 'v1.2.3', sum: GREET_SUM },
  deps: [{ path: 'golang.org/x/sys', version: 'v0.30.0', sum: GREET_SUM }],
  settings: { '-trimpath': 'true', CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' },
});
const file = (path: string) => ({ path, sha256: 'b'.repeat(64), size: 10, mode: '0755' });
const archive = (path: string) => ({ path, sha256: 'd'.repeat(64), size: 10, mode: '0644' as const });

const manifest: BundleManifest = {
  apiVersion: 'hakube.io/v1alpha1',
  kind: 'Bundle',
  kubernetesVersion: 'v1.37.2',
  arch: 'amd64',
  createdAt: '2026-11-23T00:00:00.000Z',
  components: [
    {
      name: 'crictl',
      version: 'v1.36.0',
      source: 'source',
      origin: 'sigs.k8s.io/cri-tools@v1.36.0',
      files: [file('bin/crictl')],
    },
    { name: 'runc', version: '1.1.5', source: 'debian', origin: 'runc=1.1.5', files: [file('bin/runc')] },
  ],
  images: [
    {
      name: 'registry.k8s.io/pause:3.10',
      digest: `sha256:${'c'.repeat(64)}`,
      origin: 'build/pause/linux/pause.c@k8s.io/kubernetes@v1.37.2',
      file: archive('images/pause-3.10.tar'),
      roles: ['control-plane', 'worker'],
    },
    {
      name: 'registry.k8s.io/coredns/coredns:v1.15.0',
      digest: `sha256:${'c'.repeat(64)}`,
      origin: 'github.com/coredns/coredns@v1.15.0',
      file: archive('images/coredns-v1.15.0.tar'),
      roles: ['control-plane', 'worker'],
    },
  ],
};

test('Go-built binaries: source component files and Go images; not Debian, release or pause', () => {
  assert.deepEqual(
    goBuiltBinaries(manifest).map((b) => b.name),
    ['bin/crictl', 'registry.k8s.io/coredns/coredns:v1.15.0 /coredns'],
  );
  assert.equal(goImageBinary('v1.37.2', 'registry.k8s.io/pause:3.10'), undefined);
  assert.equal(goImageBinary('v1.37.2', 'ghcr.io/flannel-io/flannel:v0.27.0'), '/opt/bin/flanneld');

  const found = new Map([
    ['bin/crictl', info('sigs.k8s.io/cri-tools')],
    ['registry.k8s.io/coredns/coredns:v1.15.0 /coredns', info('github.com/coredns/coredns')],
  ]);
  const recorded = bundleManifestSchema.parse(withGoBuildInfo(manifest, found));
  assert.equal(recorded.components[0].files[0].go?.main?.path, 'sigs.k8s.io/cri-tools');
  assert.equal(recorded.components[1].files[0].go, undefined);
  assert.equal(recorded.images?.[0].binaries, undefined);
  assert.deepEqual(recorded.images?.[1].binaries, [
    { path: '/coredns', go: info('github.com/coredns/coredns') },
  ]);
  assert.ok(goBuiltBinaries(recorded).every((b) => b.go));
  // Nothing found: the manifest is as it was.
  assert.deepEqual(withGoBuildInfo(manifest, new Map()), manifest);
});

test('the manifest schema: Go build information is optional, validated, and only on source builds', () => {
  assert.ok(bundleManifestSchema.safeParse(manifest).success, 'a manifest without it (older bundles) parses');
  const refused = (patch: (m: BundleManifest) => void) => {
    const m = structuredClone(manifest);
    patch(m);
    return !bundleManifestSchema.safeParse(m).success;
  };
  assert.equal(
    refused((m) => (m.components[0].files[0].go = info('sigs.k8s.io/cri-tools'))),
    false,
  );
  assert.ok(refused((m) => (m.components[1].files[0].go = info('github.com/opencontainers/runc'))));
  assert.ok(
    refused((m) => {
      const go = info('sigs.k8s.io/cri-tools');
      go.deps[0].sum = 'h1:not-base64!';
      m.components[0].files[0].go = go;
    }),
  );
  assert.ok(
    refused((m) => {
      const go = info('sigs.k8s.io/cri-tools');
      go.settings['bad key'] = 'x';
      m.components[0].files[0].go = go;
    }),
  );
  assert.ok(refused((m) => (m.images![1].binaries = [{ path: 'coredns', go: info('x.io/y') }])));
  assert.ok(refused((m) => (m.images![1].binaries = [{ path: '/../coredns', go: info('x.io/y') }])));
  assert.ok(refused((m) => (m.images![1].binaries = [])));
});
