// The S3 bucket client (AWS SDK v3 + lib-storage) against a real S3-compatible server (moto):
// objects larger than a part go up as multipart uploads and come back byte-identical; an upload
// that fails or is cancelled half-way leaves neither an object nor a pending multipart upload;
// and nothing in the environment or ~/.aws decides where requests go or how they are signed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import {
  DEFAULT_PART_SIZE,
  MIN_PART_SIZE,
  parseCredentialsFile,
  S3Bucket,
} from '../../../activities/backup/s3-client';
import { sha256File } from '../../../activities/bundle/files';
import { startMotoS3, type MotoS3 } from '../../helpers/moto-s3';

const MiB = 1024 * 1024;
const BUCKET = 'multipart';
const creds = { accessKeyId: 'hakube-test', secretAccessKey: 'not-a-secret/x' };
let moto: MotoS3;
let dir: string;

before(async () => {
  moto = await startMotoS3();
  await moto.createBucket(BUCKET);
  dir = mkdtempSync(join(tmpdir(), 'hakube-s3-client-'));
});
after(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bucket = (opts: ConstructorParameters<typeof S3Bucket>[2] = {}) =>
  new S3Bucket({ endpoint: moto.endpoint, bucket: BUCKET, region: 'us-east-1' }, creds, opts);

/** Every command `b` sends, in order, and a hook run after each one is answered. */
function watch(b: S3Bucket, afterEach: (command: string) => void = () => {}): string[] {
  const seen: string[] = [];
  b.sdk.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push(context.commandName ?? '?');
      const out = await next(args);
      afterEach(context.commandName ?? '?');
      return out;
    },
    { step: 'initialize', name: 'testWatch' },
  );
  return seen;
}

function randomFile(name: string, bytes: number): string {
  const file = join(dir, name);
  writeFileSync(file, randomBytes(bytes));
  return file;
}

/** The object's ETag, or undefined when there is no such object. */
async function etagOf(b: S3Bucket, key: string): Promise<string | undefined> {
  try {
    return (await b.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return undefined;
    throw err;
  }
}

async function pendingUploads(b: S3Bucket): Promise<string[]> {
  const r = await b.sdk.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
  return (r.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

test('credentials files in the ~/.aws/credentials format', () => {
  const text =
    '# ci\n[other]\naws_access_key_id = A1\naws_secret_access_key = S1\n\n[default]\naws_access_key_id=A2\naws_secret_access_key=S2/x=\n';
  assert.deepEqual(parseCredentialsFile(text), { accessKeyId: 'A2', secretAccessKey: 'S2/x=' });
  assert.deepEqual(parseCredentialsFile(text, 'other'), { accessKeyId: 'A1', secretAccessKey: 'S1' });
  assert.deepEqual(
    parseCredentialsFile('[default]\naws_access_key_id=A\naws_secret_access_key=S\naws_session_token=T\n'),
    {
      accessKeyId: 'A',
      secretAccessKey: 'S',
      sessionToken: 'T',
    },
  );
  assert.equal(parseCredentialsFile('[default]\naws_access_key_id=A\n'), undefined);
});

test('a file larger than one part is stored by a multipart upload and reads back byte-identical', async () => {
  const b = bucket({ partSize: MIN_PART_SIZE });
  const seen = watch(b);
  const file = randomFile('12mib.db', 12 * MiB);
  const sha256 = await sha256File(file);
  assert.equal(await b.putFile('big/12mib.db', file, sha256), 12 * MiB);
  // 5 + 5 + 2 MiB: three parts, and S3's ETag of a multipart object ends in -<parts>.
  assert.deepEqual(
    seen.filter((c) => c !== 'HeadObjectCommand'),
    [
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ],
  );
  assert.match((await etagOf(b, 'big/12mib.db')) ?? '', /^"[0-9a-f]{32}-3"$/);
  const back = join(dir, '12mib-back.db');
  assert.equal(await b.getTo('big/12mib.db', createWriteStream(back)), 12 * MiB);
  assert.equal(await sha256File(back), sha256);
  assert.deepEqual(await pendingUploads(b), []);

  // With the default 16 MiB parts the same file fits in one part: one plain PUT, an ETag without a part count.
  const plain = bucket();
  assert.equal(DEFAULT_PART_SIZE, 16 * MiB);
  await plain.putFile('big/12mib-one-put.db', file, sha256);
  assert.match((await etagOf(plain, 'big/12mib-one-put.db')) ?? '', /^"[0-9a-f]{32}"$/);
});

test('a file cut short during the upload leaves no object and no pending multipart upload', async () => {
  const file = randomFile('shrinks.db', 40 * MiB);
  const sha256 = await sha256File(file);
  // One part in flight at a time, so the file is read part by part; after the first part is
  // stored, the file loses everything past 7 MiB (a scratch file overwritten meanwhile).
  const b = bucket({ partSize: MIN_PART_SIZE, queueSize: 1 });
  let cut = false;
  const seen = watch(b, (command) => {
    if (command === 'UploadPartCommand' && !cut) {
      cut = true;
      truncateSync(file, 7 * MiB);
    }
  });
  await assert.rejects(b.putFile('cut/shrinks.db', file, sha256), (e: unknown) => {
    assert.ok(e instanceof ApplicationFailure, String(e));
    assert.equal(e.type, 'SnapshotCorrupted');
    assert.match(
      e.message,
      /shrinks\.db changed while it was uploaded to s3:\/\/multipart\/cut\/shrinks\.db/,
    );
    return true;
  });
  assert.ok(cut, 'the file was cut during the upload');
  assert.ok(seen.includes('CreateMultipartUploadCommand'), seen.join(' '));
  assert.ok(seen.includes('AbortMultipartUploadCommand'), seen.join(' '));
  assert.ok(!seen.includes('CompleteMultipartUploadCommand'), seen.join(' '));
  assert.equal(await etagOf(b, 'cut/shrinks.db'), undefined);
  assert.deepEqual(await pendingUploads(b), []);
});

test('a cancelled upload is aborted before the call returns: no object, no pending multipart upload', async () => {
  const file = randomFile('cancelled.db', 40 * MiB);
  const sha256 = await sha256File(file);
  const cancel = new AbortController();
  const reason = new Error('activity cancelled');
  const b = bucket({ partSize: MIN_PART_SIZE, queueSize: 1, signal: cancel.signal });
  let parts = 0;
  const seen = watch(b, (command) => {
    if (command === 'UploadPartCommand' && ++parts === 2) cancel.abort(reason);
  });
  await assert.rejects(b.putFile('cancelled/cancelled.db', file, sha256), (e: unknown) => {
    assert.equal(e, reason);
    return true;
  });
  assert.equal(parts, 2, seen.join(' '));
  assert.ok(seen.includes('AbortMultipartUploadCommand'), seen.join(' '));
  assert.ok(!seen.includes('CompleteMultipartUploadCommand'), seen.join(' '));
  // Asked right away: the abort reached the store before putFile returned.
  assert.deepEqual(await pendingUploads(bucket()), []);
  assert.equal(await etagOf(bucket(), 'cancelled/cancelled.db'), undefined);
  // The same bucket refuses further calls once cancelled.
  await assert.rejects(b.getText('cancelled/x.json'), (e: unknown) => e === reason);
});

test('a cancelled download stops with the cancellation, partway through the object', async () => {
  const file = randomFile('download.db', 12 * MiB);
  await bucket().putFile('cancelled/download.db', file, await sha256File(file));
  const cancel = new AbortController();
  const reason = new Error('activity cancelled');
  let received = 0;
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (!cancel.signal.aborted) cancel.abort(reason);
      done();
    },
  });
  const b = bucket({ signal: cancel.signal });
  await assert.rejects(b.getTo('cancelled/download.db', out), (e: unknown) => e === reason);
  assert.ok(received > 0 && received < 12 * MiB, `${received} bytes received`);
});

test('AWS_* variables and ~/.aws files decide nothing: only the spec and the credentials file do', async () => {
  const poisoned = join(dir, 'aws-config');
  const settings = [
    'region = eu-poison-1',
    'endpoint_url = http://127.0.0.1:9',
    'max_attempts = 9',
    'retry_mode = adaptive',
    'use_fips_endpoint = true',
    'use_dualstack_endpoint = true',
    'request_checksum_calculation = WHEN_SUPPORTED',
    'response_checksum_validation = WHEN_SUPPORTED',
    'defaults_mode = mobile',
    'sdk_ua_app_id = poison',
    's3_use_arn_region = true',
    's3_disable_express_session_auth = false',
    'auth_scheme_preference = sigv4a',
    'sigv4a_signing_region_set = poison',
    'aws_access_key_id = POISON',
    'aws_secret_access_key = poison',
  ].join('\n');
  writeFileSync(poisoned, `[default]\n${settings}\n[profile poison]\n${settings}\n[poison]\n${settings}\n`);
  const env: Record<string, string> = {
    AWS_CONFIG_FILE: poisoned,
    AWS_SHARED_CREDENTIALS_FILE: poisoned,
    AWS_PROFILE: 'poison',
    AWS_REGION: 'eu-poison-1',
    AWS_DEFAULT_REGION: 'eu-poison-1',
    AWS_ACCESS_KEY_ID: 'POISON',
    AWS_SECRET_ACCESS_KEY: 'poison',
    AWS_SESSION_TOKEN: 'poison',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '9',
    AWS_RETRY_MODE: 'adaptive',
    AWS_USE_FIPS_ENDPOINT: 'true',
    AWS_USE_DUALSTACK_ENDPOINT: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED',
    AWS_DEFAULTS_MODE: 'mobile',
    AWS_SDK_UA_APP_ID: 'poison',
    AWS_S3_USE_ARN_REGION: 'true',
    AWS_S3_DISABLE_EXPRESS_SESSION_AUTH: 'false',
    AWS_AUTH_SCHEME_PREFERENCE: 'sigv4a',
    AWS_SIGV4A_SIGNING_REGION_SET: 'poison',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const b = new S3Bucket({ endpoint: moto.endpoint, bucket: BUCKET, region: 'eu-central-1' }, creds);
    const requests: string[] = [];
    // At the deserialize step the request is the one sent: endpoint resolved, signed.
    b.sdk.middlewareStack.add(
      (next) => async (args) => {
        const r = args.request as {
          hostname: string;
          port?: number;
          path: string;
          headers: Record<string, string>;
        };
        requests.push(
          `${r.hostname}:${r.port} ${r.path} ${/Credential=[^/]+\/\d+\/[^/]+/.exec(r.headers.authorization)?.[0]} ` +
            `${r.headers['amz-sdk-request']} ${r.headers['x-amz-security-token'] ?? 'no-token'} ${r.headers['x-amz-user-agent']}`,
        );
        return next(args);
      },
      { step: 'deserialize', name: 'testRequests' },
    );
    await b.putBytes('env/m.json', Buffer.from('{"ok":true}'));
    assert.equal(await b.getText('env/m.json'), '{"ok":true}');
    const port = new URL(moto.endpoint).port;
    assert.equal(requests.length, 2);
    for (const r of requests) {
      assert.match(r, new RegExp(`^127\\.0\\.0\\.1:${port} /${BUCKET}/env/m\\.json `), r);
      assert.match(r, / Credential=hakube-test\/\d{8}\/eu-central-1 /, r);
      assert.match(r, / attempt=1; max=3 no-token /, r);
      assert.doesNotMatch(r, /poison/i, r);
    }
    // The client's settings, each a value or a provider of one.
    const c = b.sdk.config as unknown as Record<string, unknown>;
    const setting = async (name: string) => {
      const v = c[name];
      return typeof v === 'function' ? await (v as () => Promise<unknown>)() : v;
    };
    assert.deepEqual(
      {
        region: await setting('region'),
        maxAttempts: await setting('maxAttempts'),
        retryMode: await setting('retryMode'),
        useFipsEndpoint: await setting('useFipsEndpoint'),
        useDualstackEndpoint: await setting('useDualstackEndpoint'),
        requestChecksumCalculation: await setting('requestChecksumCalculation'),
        responseChecksumValidation: await setting('responseChecksumValidation'),
        defaultsMode: await setting('defaultsMode'),
        useArnRegion: await setting('useArnRegion'),
        disableS3ExpressSessionAuth: await setting('disableS3ExpressSessionAuth'),
        authSchemePreference: await setting('authSchemePreference'),
        sigv4aSigningRegionSet: await setting('sigv4aSigningRegionSet'),
        userAgentAppId: await setting('userAgentAppId'),
        forcePathStyle: await setting('forcePathStyle'),
      },
      {
        region: 'eu-central-1',
        maxAttempts: 3,
        retryMode: 'standard',
        useFipsEndpoint: false,
        useDualstackEndpoint: false,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        defaultsMode: 'legacy',
        useArnRegion: false,
        disableS3ExpressSessionAuth: true,
        authSchemePreference: [],
        sigv4aSigningRegionSet: [],
        userAgentAppId: undefined,
        forcePathStyle: true,
      },
    );
    const identity = (await setting('credentials')) as Record<string, unknown>;
    assert.equal(identity.accessKeyId, creds.accessKeyId);
    assert.equal(identity.secretAccessKey, creds.secretAccessKey);
    assert.equal(identity.sessionToken, undefined);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
