// docker-compose.yml: no engine runs here, so check its shape, and have Compose itself
// (Debian's docker-compose, installed by scripts/setup.sh) parse and validate it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/temp-home';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

const file = join(REPO_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(file, 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

test('services: PostgreSQL, Temporal, Web UI and the hakube worker, each with a health check', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'hakube-worker',
    'postgresql',
    'temporal',
    'temporal-ui',
  ]);
  for (const [name, svc] of Object.entries(compose.services))
    assert.ok(svc.healthcheck?.test.length, `${name} has no health check`);
});

test('ports: gRPC 7233 and the Web UI are published on loopback unless an address is chosen', () => {
  assert.deepEqual(compose.services.temporal.ports, ['${HAKUBE_PUBLISH_ADDRESS:-127.0.0.1}:7233:7233']);
  assert.deepEqual(compose.services['temporal-ui'].ports, ['${HAKUBE_PUBLISH_ADDRESS:-127.0.0.1}:8080:8080']);
});

test('PostgreSQL data lives in a named volume; the worker is built from the Dockerfile', () => {
  assert.ok(compose.services.postgresql.volumes?.includes('postgresql-data:/var/lib/postgresql/data'));
  assert.ok('postgresql-data' in compose.volumes);
  assert.equal(compose.services['hakube-worker'].build, '.');
  assert.equal(compose.services['hakube-worker'].environment?.TEMPORAL_ADDRESS, 'temporal:7233');
});

test('startup order waits on health: postgres → temporal → UI and worker', () => {
  assert.equal(compose.services.temporal.depends_on?.postgresql.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui'].depends_on?.temporal.condition, 'service_healthy');
  assert.equal(compose.services['hakube-worker'].depends_on?.temporal.condition, 'service_healthy');
});

function composeConfig(env: NodeJS.ProcessEnv) {
  const { HAKUBE_DB_PASSWORD: _unset, HAKUBE_PUBLISH_ADDRESS: _unset2, ...rest } = process.env;
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
