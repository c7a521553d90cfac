// hakube over TLS and mTLS: a TLS front (Node's tls, requiring a client certificate from the
// test CA) before a real dev server; the client and the worker connect through it with the
// Temporal CLI's environment variables, and a self-test runs end to end. Without a client
// certificate, or with a CA the server's certificate does not chain to, nothing connects; and
// the settings themselves are checked before anything connects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { HakubeClient } from '../../client/hakube-client';
import {
  describeConnection,
  temporalConnectionFromEnv,
  TemporalConnectionConfigError,
} from '../../client/temporal-connection';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startTestServer, startTestWorker, type RunningWorker, type TestServer } from '../helpers/temporal';

const TASK_QUEUE = 'hakube-test-tls';
const dir = mkdtempSync(join(tmpdir(), 'hakube-tls-'));
const file = (name: string) => join(dir, name);
let server: TestServer;
let front: Server;
let frontAddress = '';
/** The CN of the client certificate each connection through the front presented. */
const clients: string[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for temporal.test and 127.0.0.1, and a client certificate, all P-256. */
function makeCertificates(): void {
  const key = (name: string) =>
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name]);
  for (const ca of ['ca', 'other-ca']) {
    key(`${ca}.key`);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      `${ca}.key`,
      '-subj',
      `/CN=${ca}`,
      '-days',
      '2',
      '-out',
      `${ca}.crt`,
    ]);
  }
  const leaf = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    writeFileSync(file(`${name}.ext`), ext);
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  };
  leaf(
    'server',
    'temporal.test',
    'subjectAltName=DNS:temporal.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  leaf('client', 'hakube-worker', 'extendedKeyUsage=clientAuth\n');
}

before(async () => {
  makeCertificates();
  server = await startTestServer();
  const [host, port] = server.address.split(':');
  front = createServer(
    {
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.crt')),
      ca: readFileSync(file('ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (sock: TLSSocket) => {
      clients.push(String(sock.getPeerCertificate().subject?.CN));
      const upstream = tcpConnect(Number(port), host);
      sock.pipe(upstream).pipe(sock);
      const close = () => {
        sock.destroy();
        upstream.destroy();
      };
      sock.on('error', close);
      upstream.on('error', close);
    },
  );
  const p = await freePort();
  await new Promise<void>((resolve) => front.listen(p, '127.0.0.1', resolve));
  frontAddress = `127.0.0.1:${p}`;
});

after(async () => {
  front?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const mtlsEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  TEMPORAL_ADDRESS: frontAddress,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.crt'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.crt'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key'),
  TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
  ...extra,
});

test('client and worker over mTLS with the Temporal CLI variables: a self-test runs end to end', async () => {
  const connection = temporalConnectionFromEnv(mtlsEnv());
  assert.deepEqual(describeConnection(connection), {
    address: frontAddress,
    tls: { ca: 'given', clientCertificate: 'given (mTLS)', serverName: 'temporal.test' },
    apiKey: 'none',
  });
  let worker: RunningWorker | undefined;
  const client = await HakubeClient.connect({ connection, taskQueue: TASK_QUEUE, codecKeys: null });
  try {
    worker = await startTestWorker(connection, TASK_QUEUE);
    const started = await client.startSelfTest({ cluster: 'tls' }, 'selftest-over-tls');
    const result = await client.result<{ worker: { pid: number } }>(started.workflowId);
    assert.equal(result.worker.pid, process.pid);
    // Both the client (grpc-js) and the worker (the Rust core) came through the front, with the certificate.
    assert.ok(clients.length >= 2, `connections through the front: ${clients.length}`);
    assert.ok(
      clients.every((cn) => cn === 'hakube-worker'),
      clients.join(', '),
    );
  } finally {
    await worker?.stop();
    await client.close();
  }
});

test('without a client certificate, or trusting another CA, nothing connects', async () => {
  const noCert = mtlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' });
  await assert.rejects(
    HakubeClient.connect({ connection: { ...temporalConnectionFromEnv(noCert) }, codecKeys: null }),
  );
  const otherCa = mtlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('other-ca.crt') });
  await assert.rejects(
    HakubeClient.connect({ connection: temporalConnectionFromEnv(otherCa), codecKeys: null }),
  );
  // Plaintext to a TLS port does not get through either.
  await assert.rejects(
    HakubeClient.connect({ connection: { address: frontAddress, tls: false }, codecKeys: null }),
  );
});

test('the settings: TLS on with any TLS variable or an API key (as the Temporal CLI), checked before connecting', () => {
  assert.deepEqual(temporalConnectionFromEnv({}), { address: 'localhost:7233', tls: false });
  assert.deepEqual(temporalConnectionFromEnv({ TEMPORAL_TLS: 'true', TEMPORAL_ADDRESS: 'x:1' }), {
    address: 'x:1',
    tls: true,
  });
  assert.deepEqual(temporalConnectionFromEnv({ TEMPORAL_API_KEY: 'k' }, { address: 'cloud:7233' }), {
    address: 'cloud:7233',
    tls: true,
    apiKey: 'k',
  });
  assert.deepEqual(temporalConnectionFromEnv({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls, false);
  const ca = readFileSync(file('ca.crt'), 'utf8');
  const inline = temporalConnectionFromEnv({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: ca });
  assert.equal(typeof inline.tls === 'object' && inline.tls.serverRootCACertificate?.toString(), ca);
  const refused = (env: NodeJS.ProcessEnv, why: RegExp) =>
    assert.throws(
      () => temporalConnectionFromEnv(env),
      (e: Error) => e instanceof TemporalConnectionConfigError && why.test(e.message),
    );
  refused({ TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.crt') }, /needs both/);
  refused(
    { TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('nope.crt') },
    /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*ENOENT/,
  );
  refused({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('client.ext') }, /not PEM/);
  refused(
    { TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.crt'), TEMPORAL_TLS_SERVER_CA_CERT_DATA: ca },
    /not both/,
  );
  refused({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }, /TEMPORAL_TLS_SERVER_NAME instead/);
  refused({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }, /TEMPORAL_TLS=false, yet/);
});

test('the CLI refuses bad TLS settings with exit 2, before connecting', async () => {
  const r = await runCli(['watch', 'install-x'], { TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key') });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /mTLS needs both TEMPORAL_TLS_CLIENT_CERT/);
});
