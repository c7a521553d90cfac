// The codec server over real HTTP: encode/decode round trip in the remote codec JSON protocol,
// CORS for the Web UI (preflight, allowed and refused origins), and the errors a caller can
// cause; the bearer token, in the header or the path. Then `hakube codec-server` itself: refuses
// to start without a key, serves with one and the token it made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec } from '../../../client/codec/aes-gcm-codec';
import { createCodecServer, listenCodecServer } from '../../../client/codec/codec-server';
import { keyRing } from '../../../client/codec/keys';
import { payloadsFromJson, payloadsToJson, type JsonPayload } from '../../../client/codec/payload-json';
import { runCli } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';
import { REPO_ROOT } from '../../helpers/temp-home';

const UI = 'http://localhost:8233';
const key = randomBytes(32);
const token = randomBytes(32).toString('base64url');
const BEARER = { Authorization: `Bearer ${token}` };
let server: Server;
let url: string;

before(async () => {
  const codec = new AesGcmCodec(keyRing([key], 'test'));
  server = createCodecServer({ codec, token, allowOrigins: [`${UI}/`], maxBodyBytes: 64 * 1024 });
  url = await listenCodecServer(server, await freePort(), '127.0.0.1');
});

after(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

const plainJson = () => payloadsToJson([defaultPayloadConverter.toPayload({ cluster: 'prod-zebra-7' })]);

function post(path: string, body: unknown, headers: Record<string, string> = BEARER): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(res: Response, status: number): Promise<{ error: string; type?: string }> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return (await res.json()) as { error: string; type?: string };
}

test('POST /encode then /decode gives the payloads back; the encoded ones are ciphertext', async () => {
  const encoded = await post('/encode', plainJson());
  assert.equal(encoded.status, 200);
  const sealed = (await encoded.json()) as { payloads: JsonPayload[] };
  assert.equal(sealed.payloads.length, 1);
  assert.equal(
    Buffer.from(sealed.payloads[0].metadata?.encoding ?? '', 'base64').toString(),
    'binary/encrypted',
  );
  assert.ok(
    !Buffer.from(sealed.payloads[0].data ?? '', 'base64')
      .toString('latin1')
      .includes('prod-zebra-7'),
  );
  const decoded = await post('/decode', sealed);
  assert.equal(decoded.status, 200);
  const [payload] = payloadsFromJson(await decoded.text());
  assert.deepEqual(defaultPayloadConverter.fromPayload(payload), { cluster: 'prod-zebra-7' });
  // Payloads that were never encrypted come back as they are.
  const passthrough = await post('/decode', plainJson());
  assert.deepEqual(await passthrough.json(), plainJson());
  assert.deepEqual(await (await post('/decode', { payloads: [] })).json(), { payloads: [] });
});

test('CORS: the Web UI origin gets its preflight (X-Namespace allowed) and its answers; others are refused', async () => {
  const preflight = await fetch(`${url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
  assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
  const answer = await post('/decode', plainJson(), { ...BEARER, Origin: UI });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('access-control-allow-origin'), UI);
  assert.match(answer.headers.get('vary') ?? '', /Origin/);

  const evil = 'http://evil.example';
  const refusedPreflight = await fetch(`${url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(refusedPreflight.headers.get('access-control-allow-origin'), null);
  assert.match((await errorOf(refusedPreflight, 403)).error, /--allow-origin http:\/\/evil\.example/);
  const refused = await post('/decode', plainJson(), { ...BEARER, Origin: evil });
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
  await errorOf(refused, 403);
});

test('every call but a preflight needs the token: in the Authorization header or as the first path segment', async () => {
  const denied = async (res: Response) => {
    assert.match((await errorOf(res, 401)).error, /needs its token/);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
  };
  await denied(await post('/decode', plainJson(), {}));
  await denied(await post('/decode', plainJson(), { Authorization: `Bearer ${token}x` }));
  await denied(await post('/decode', plainJson(), { Authorization: `Basic ${token}` }));
  await denied(await post(`/${token.slice(1)}/decode`, plainJson(), {}));
  // Unknown paths and methods say nothing before the token is shown.
  await denied(await post('/decrypt', plainJson(), {}));
  await denied(await fetch(`${url}/decode`));
  // The Web UI's form: the endpoint is <url>/<token>, with the browser's own Authorization (none).
  const viaPath = await post(`/${token}/decode`, plainJson(), { Origin: UI });
  assert.equal(viaPath.status, 200);
  assert.equal(viaPath.headers.get('access-control-allow-origin'), UI);
  assert.deepEqual(await viaPath.json(), plainJson());
  // A wrong header does not spoil a right path token (the UI may pass its user's access token).
  assert.equal((await post(`/${token}/encode`, plainJson(), { Authorization: 'Bearer other' })).status, 200);
  // A refused call still gets the CORS answer, so the Web UI can show why.
  const refused = await post('/decode', plainJson(), { Origin: UI });
  assert.equal(refused.headers.get('access-control-allow-origin'), UI);
  await denied(refused);
  // The preflight for the path form is answered without credentials.
  const preflight = await fetch(`${url}/${token}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: UI, 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(preflight.status, 204);
});

test('unknown paths are 404, other methods 405, malformed bodies 400, undecryptable payloads 422', async () => {
  assert.match((await errorOf(await post('/decrypt', plainJson()), 404)).error, /POST \/encode or \/decode/);
  await errorOf(await fetch(`${url}/`, { headers: BEARER }), 404);
  const get = await fetch(`${url}/decode`, { headers: BEARER });
  await errorOf(get, 405);
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  await errorOf(await fetch(`${url}/encode`, { method: 'PUT', body: '{}', headers: BEARER }), 405);
  assert.match((await errorOf(await post('/decode', '{not json'), 400)).error, /not JSON/);
  assert.match((await errorOf(await post('/decode', { payload: [] }), 400)).error, /"payloads" array/);
  assert.match(
    (await errorOf(await post('/encode', { payloads: [{ metadata: { encoding: '%%%' } }] }), 400)).error,
    /payloads\[0\]\.metadata\.encoding is not a base64 string/,
  );
  assert.match(
    (await errorOf(await post('/encode', { payloads: [7] }), 400)).error,
    /payloads\[0\] is not an object/,
  );
  const other = new AesGcmCodec(keyRing([randomBytes(32)], 'other'));
  const foreign = payloadsToJson(await other.encode([defaultPayloadConverter.toPayload('x')]));
  const err = await errorOf(await post('/decode', foreign), 422);
  assert.equal(err.type, 'UnknownEncryptionKey');
  await errorOf(await post('/encode', { payloads: [{ data: 'A'.repeat(100 * 1024) }] }), 413);
  // Still serving after all that.
  assert.equal((await post('/encode', plainJson())).status, 200);
});

test('hakube codec-server: exit 2 without a key or with a bad one; serves with --codec-key-file until SIGTERM', async () => {
  const home = mkdtempSync(join(tmpdir(), 'hakube-codec-cli-'));
  try {
    // No dev server in this home: the allowed origins are the defaults alone.
    const env = { HAKUBE_CODEC_KEY: '', HAKUBE_CODEC_KEY_FILE: '', HAKUBE_HOME: join(home, '.hakube') };
    const none = await runCli(['codec-server', '--port', String(await freePort())], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no encryption key: pass --codec-key-file or set HAKUBE_CODEC_KEY_FILE/);
    const badFile = join(home, 'bad.key');
    writeFileSync(badFile, randomBytes(16), { mode: 0o600 });
    const bad = await runCli(['--codec-key-file', badFile, 'codec-server'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, new RegExp(`${badFile}: is 16 bytes of binary`));

    const keyFile = join(home, 'codec.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'hakube.js'),
        '--codec-key-file',
        keyFile,
        'codec-server',
        '--port',
        String(port),
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let stdout = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /codec endpoint: (\S+)\n[^]*--codec-auth.*\n/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`codec-server exited ${code}: ${stderr}`)));
    });
    assert.equal(endpoint, `http://127.0.0.1:${port}`);
    // The CLI's server and this test's share the key: what one encodes, the other decodes.
    const sealed = await (await post('/encode', plainJson())).json();
    // It made its token on first use, 0600 in the hakube home, and printed where, never what.
    const tokenFile = join(home, '.hakube', 'codec-token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const made = readFileSync(tokenFile, 'utf8').trim();
    assert.match(made, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!stdout.includes(made) && stdout.includes(`cat ${tokenFile}`));
    const call = (headers: Record<string, string>) =>
      fetch(`${endpoint}/decode`, { method: 'POST', body: JSON.stringify(sealed), headers });
    assert.equal((await call({})).status, 401);
    const res = await call({ Authorization: `Bearer ${made}` });
    assert.deepEqual(await res.json(), plainJson());
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const listening = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'codec server listening');
    assert.equal(listening?.url, endpoint);
    assert.deepEqual(listening?.allowOrigins, ['http://localhost:8233', 'http://127.0.0.1:8233']);
    assert.ok(!stderr.includes(key.toString('base64')) && !stderr.includes(key.toString('hex')));
    assert.ok(!stderr.includes(made), 'the token is not logged, not even in the request lines');

    // A --token-file that does not exist is a mistake, not a new token.
    const missing = await runCli(
      ['--codec-key-file', keyFile, 'codec-server', '--token-file', join(home, 'nope')],
      env,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--token-file: .*nope: ENOENT/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
