// docker-compose.yml: no engine runs here, so check its shape, and have Compose itself
// (Debian's docker-compose, installed by scripts/setup.sh) parse and validate it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/temp-home';
import { DEFAULT_RETENTION_MS, parseRetention } from '../../client/namespace/retention';
import { HEALTH_INTERVAL_MS } from '../../workers/health-file';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  volumes?: string[];
  command?: string[];
  restart?: string;
  healthcheck?: { test: string[]; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

const file = join(REPO_ROOT, 'docker-compose.yml');
// merge: the file shares the hakube services' build and image through a YAML merge key.
const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

test('services: PostgreSQL, Temporal, Web UI, the namespace setup and the worker; each long-running one with a health check', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'hakube-setup',
    'hakube-worker',
    'postgresql',
    'temporal',
    'temporal-ui',
  ]);
  for (const [name, svc] of Object.entries(compose.services))
    if (name !== 'hakube-setup') assert.ok(svc.healthcheck?.test.length, `${name} has no health check`);
  assert.equal(compose.services['hakube-setup'].restart, 'no', 'the setup runs once, it is not a service');
});

test("the worker's health check is the age of the file it renews while healthy, not the process being there", () => {
  const worker = compose.services['hakube-worker'];
  assert.deepEqual(worker.healthcheck?.test, ['CMD', 'node', 'dist/workers/health-check.js']);
  assert.match(worker.environment?.HAKUBE_HEALTH_FILE ?? '', /^\/tmp\/[a-z.-]+$/);
  assert.ok(existsSync(join(REPO_ROOT, 'workers', 'health-check.ts')));
  assert.ok(HEALTH_INTERVAL_MS <= 15_000, 'renewed at least as often as checked');
});

test('retention: 30 days, in the namespace auto-setup creates and in the one hakube sets up', () => {
  const r = composeConfig({ HAKUBE_DB_PASSWORD: 's3cret-for-the-test' });
  assert.equal(r.status, 0, r.stderr);
  const resolved = parse(r.stdout) as { services: Record<string, Service> };
  const autoSetup = resolved.services.temporal.environment?.DEFAULT_NAMESPACE_RETENTION ?? '';
  assert.equal(parseRetention(autoSetup), DEFAULT_RETENTION_MS);
  assert.equal(resolved.services.temporal.environment?.SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES, 'true');
  const command = resolved.services['hakube-setup'].command ?? [];
  assert.deepEqual(command.slice(0, 4), ['node', 'bin/hakube.js', 'namespace', 'setup']);
  assert.equal(parseRetention(command[command.indexOf('--retention') + 1]), DEFAULT_RETENTION_MS);
});

test('ports: gRPC 7233 and the Web UI are published on loopback unless an address is chosen', () => {
  assert.deepEqual(compose.services.temporal.ports, ['${HAKUBE_PUBLISH_ADDRESS:-127.0.0.1}:7233:7233']);
  assert.deepEqual(compose.services['temporal-ui'].ports, ['${HAKUBE_PUBLISH_ADDRESS:-127.0.0.1}:8080:8080']);
});

test('PostgreSQL data lives in a named volume; the worker is built from the Dockerfile', () => {
  assert.ok(compose.services.postgresql.volumes?.includes('postgresql-data:/var/lib/postgresql/data'));
  assert.ok('postgresql-data' in compose.volumes);
  for (const name of ['hakube-setup', 'hakube-worker']) {
    assert.equal(compose.services[name].build, '.');
    assert.equal(compose.services[name].image, 'hakube-worker:latest');
    assert.equal(compose.services[name].environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  }
});

test('startup order waits on health: postgres → temporal → UI and namespace setup → worker', () => {
  assert.equal(compose.services.temporal.depends_on?.postgresql.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui'].depends_on?.temporal.condition, 'service_healthy');
  assert.equal(compose.services['hakube-setup'].depends_on?.temporal.condition, 'service_healthy');
  assert.equal(
    compose.services['hakube-worker'].depends_on?.['hakube-setup'].condition,
    'service_completed_successfully',
  );
});

function composeConfig(env: NodeJS.ProcessEnv) {
  const {
    HAKUBE_DB_PASSWORD: _unset,
    HAKUBE_PUBLISH_ADDRESS: _unset2,
    HAKUBE_RETENTION: _unset3,
    ...rest
  } = process.env;
  const r = spawnSync('docker-compose', ['-f', file, 'config'], {
    encoding: 'utf8',
    env: { ...rest, ...env },
  });
  assert.equal(r.error, undefined, 'docker-compose is missing: run bash scripts/setup.sh');
  return r;
}

test('docker-compose config accepts the file; ports resolve to loopback', () => {
  const r = composeConfig({ HAKUBE_DB_PASSWORD: 's3cret-for-the-test' });
  assert.equal(r.status, 0, r.stderr);
  const resolved = parse(r.stdout) as { services: Record<string, { ports: unknown[] }> };
  assert.match(JSON.stringify(resolved.services.temporal.ports), /127\.0\.0\.1/);
  assert.doesNotMatch(JSON.stringify(resolved.services.temporal.ports), /0\.0\.0\.0/);
});

test('there is no default database password: without HAKUBE_DB_PASSWORD the stack does not start', () => {
  const r = composeConfig({});
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /HAKUBE_DB_PASSWORD/);
});
