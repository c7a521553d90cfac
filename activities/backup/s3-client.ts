// The snapshot store's view of one S3 bucket, over the AWS SDK for JavaScript v3: the calls a
// snapshot store needs, with bodies streamed both ways. Snapshots go up as multipart uploads
// (lib-storage's Upload) so objects above S3's 5 GiB single-PUT limit (etcd allows an 8 GiB
// database) are stored too; a failed upload is aborted, leaving no parts behind. Path-style
// addressing (`endpoint/bucket/key`), which AWS, MinIO, Ceph RGW and moto all accept.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client as SdkS3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';

export interface S3Location {
  endpoint: string;
  bucket: string;
  region: string;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3BucketOptions {
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB; tests use it). */
  partSize?: number;
  /** Parts uploaded at once; memory held is about (queueSize + 1) × partSize. */
  queueSize?: number;
  /** Cancels every call in flight (the activity's cancellation signal); a cancelled upload is aborted. */
  signal?: AbortSignal;
}

/**
 * 16 MiB parts: an 8 GiB snapshot (etcd's largest database) is 512 parts, far below S3's 10,000,
 * and objects up to 156 GiB fit; with 4 parts in flight the worker holds some 80–100 MiB.
 */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;
/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** `~/.aws/credentials` format: the `[default]` profile (or the first one) of an INI file. */
export function parseCredentialsFile(text: string, profile = 'default'): S3Credentials | undefined {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      sections.set(section[1].trim(), current);
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (kv && current) current[kv[1].trim().toLowerCase()] = kv[2].trim();
  }
  const p = sections.get(profile) ?? [...sections.values()][0];
  if (!p?.aws_access_key_id || !p.aws_secret_access_key) return undefined;
  return {
    accessKeyId: p.aws_access_key_id,
    secretAccessKey: p.aws_secret_access_key,
    ...(p.aws_session_token ? { sessionToken: p.aws_session_token } : {}),
  };
}

/** What the SDK attaches to a failed call: the service's error code and the HTTP status, when there was an answer. */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * The SDK client, with everything it would otherwise look up in the environment, ~/.aws/config or
 * ~/.aws/credentials given explicitly: only the spec and the credentials file decide.
 */
function sdkClient(at: S3Location, creds: S3Credentials): SdkS3Client {
  // The SDK is pinned (package.json); its notice that later releases will need Node 22 is for
  // whoever upgrades it, not a line on stderr of every `hakube backup list`.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const undefinedValue = () => Promise.resolve(undefined);
  return new SdkS3Client({
    region: at.region,
    endpoint: at.endpoint,
    forcePathStyle: true,
    credentials: { ...creds },
    ignoreConfiguredEndpointUrls: true,
    // Temporal retries the activity, with backoff; the SDK only retries a call (a part, never the
    // whole upload) twice more on a throttle, a 5xx or a dropped connection before giving up.
    maxAttempts: 3,
    retryMode: 'standard',
    defaultsMode: 'legacy',
    // Checksums only where S3 requires them: every body is signed with its sha256 (which the store
    // checks), and S3-compatible stores differ in which checksum headers and trailers they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useArnRegion: false,
    disableS3ExpressSessionAuth: true,
    followRegionRedirects: false,
    authSchemePreference: [],
    sigv4aSigningRegionSet: [],
    userAgentAppId: undefinedValue,
    // A store that says nothing for 60 s is given up on (idle socket), however long a body takes.
    requestHandler: { connectionTimeout: 30_000, socketTimeout: 60_000 },
  });
}

/** One bucket of an S3-compatible store, as the snapshot store uses it. */
export class S3Bucket {
  /** The SDK client underneath (tests look at the bucket through it). */
  readonly sdk: SdkS3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly signal?: AbortSignal;

  constructor(
    private readonly at: S3Location,
    creds: S3Credentials,
    opts: S3BucketOptions = {},
  ) {
    this.partSize = opts.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.signal = opts.signal;
    if (this.partSize < MIN_PART_SIZE) throw new Error(`S3 part size ${this.partSize} is below S3's 5 MiB`);
    this.sdk = sdkClient(at, creds);
  }

  describe(key = ''): string {
    return `s3://${this.at.bucket}/${key}`;
  }

  /**
   * Why `call` on `key` failed, typed: a 4xx is a refusal retrying cannot fix (no bucket, access
   * denied, quota); a 5xx, a throttle or no answer at all may pass. A cancellation stays one.
   */
  private failure(call: string, key: string | undefined, err: unknown): unknown {
    if (this.signal?.aborted) return this.signal.reason ?? err;
    if (err instanceof ApplicationFailure) return err;
    const e = (err ?? {}) as SdkError;
    const status = e.$metadata?.httpStatusCode;
    if (status === undefined || (status >= 200 && status < 300))
      return ApplicationFailure.create({
        type: ErrorTypes.BackupTargetUnreachable,
        message: `${call} ${this.describe(key)}: ${this.at.endpoint}: ${e.message ?? String(err)}`,
      });
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    const code = e.name && e.name !== 'Error' && e.name !== 'UnknownError' ? e.name : `HTTP ${status}`;
    const detail = e.message && e.message !== 'UnknownError' && e.message !== code ? `: ${e.message}` : '';
    return ApplicationFailure.create({
      type: permanent ? ErrorTypes.BackupTargetRefused : ErrorTypes.BackupTargetUnreachable,
      message: `${call} ${this.describe(key)}: ${code}${detail}`,
      nonRetryable: permanent,
    });
  }

  /** Runs one SDK call, its failure typed; undefined for NoSuchKey when `missingOk`. */
  private async call<T>(name: string, key: string | undefined, run: () => Promise<T>): Promise<T>;
  private async call<T>(
    name: string,
    key: string | undefined,
    run: () => Promise<T>,
    missingOk: true,
  ): Promise<T | undefined>;
  private async call<T>(
    name: string,
    key: string | undefined,
    run: () => Promise<T>,
    missingOk = false,
  ): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (missingOk && (err as SdkError).name === 'NoSuchKey' && !this.signal?.aborted) return undefined;
      throw this.failure(name, key, err);
    }
  }

  private get abortSignal(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }

  /**
   * Uploads a local file as one object, in parts of `partSize` (one PUT when it fits in one).
   * The file is read as a stream and checked against `size` and `sha256` as it is read: a file
   * that changed meanwhile fails the upload before it completes, and a failed or cancelled
   * multipart upload is aborted, so the object appears whole or not at all. Each part is signed
   * with its own sha256, which S3 checks.
   */
  async putFile(key: string, file: string, sha256: string): Promise<number> {
    const { size } = await stat(file);
    const hash = createHash('sha256');
    let read = 0;
    const checked = new Transform({
      transform(chunk: Buffer, _enc, done) {
        read += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
      flush: (done) => {
        const got = hash.digest('hex');
        if (read === size && got === sha256) return done();
        done(
          ApplicationFailure.create({
            type: ErrorTypes.SnapshotCorrupted,
            message:
              read !== size
                ? `${file} changed while it was uploaded to ${this.describe(key)}: ${read} bytes read of ${size}`
                : `${file} has sha256 ${got}, expected ${sha256}: not uploaded to ${this.describe(key)}`,
            nonRetryable: true,
          }),
        );
      },
    });
    const source = createReadStream(file);
    // A file that cannot be read is this machine's problem, not the store's: it stays as it is.
    let unreadable: Error | undefined;
    source.on('error', (err) => checked.destroy((unreadable = err)));
    source.pipe(checked);
    // Cancelled: the body fails, which aborts the multipart upload once the parts in flight are
    // answered (Upload.abort() would return before the abort reached the store).
    const onAbort = () =>
      checked.destroy(this.signal?.reason instanceof Error ? this.signal.reason : new Error('cancelled'));
    if (this.signal?.aborted) onAbort();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Upload({
        client: this.sdk,
        params: { Bucket: this.at.bucket, Key: key, Body: checked, ContentLength: size },
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      }).done();
    } catch (err) {
      throw unreadable && !this.signal?.aborted ? unreadable : this.failure('upload', key, err);
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      source.destroy();
    }
    // Stores that check nothing else still answer HEAD with the size they kept.
    const head = await this.call('HeadObject', key, () =>
      this.sdk.send(new HeadObjectCommand({ Bucket: this.at.bucket, Key: key }), this.abortSignal),
    );
    if (head.ContentLength !== size)
      throw ApplicationFailure.create({
        type: ErrorTypes.BackupTargetUnreachable,
        message: `${this.describe(key)}: the store kept ${head.ContentLength} bytes of ${size}`,
      });
    return size;
  }

  async putBytes(key: string, body: Buffer, contentType = 'application/json'): Promise<void> {
    await this.call('PutObject', key, () =>
      this.sdk.send(
        new PutObjectCommand({ Bucket: this.at.bucket, Key: key, Body: body, ContentType: contentType }),
        this.abortSignal,
      ),
    );
  }

  /** Streams the object into `out`; undefined when there is no such object. */
  async getTo(key: string, out: Writable): Promise<number | undefined> {
    const res = await this.call(
      'GetObject',
      key,
      () => this.sdk.send(new GetObjectCommand({ Bucket: this.at.bucket, Key: key }), this.abortSignal),
      true,
    );
    if (res === undefined) return undefined;
    const body = res.Body as Readable;
    let bytes = 0;
    body.on('data', (c: Buffer) => (bytes += c.length));
    try {
      await pipeline(body, out, this.signal ? { signal: this.signal } : {});
    } catch (err) {
      throw this.signal?.aborted ? (this.signal.reason ?? err) : err;
    }
    return bytes;
  }

  async getText(key: string): Promise<string | undefined> {
    return this.call(
      'GetObject',
      key,
      async () => {
        const res = await this.sdk.send(
          new GetObjectCommand({ Bucket: this.at.bucket, Key: key }),
          this.abortSignal,
        );
        return res.Body?.transformToString('utf8') ?? '';
      },
      true,
    );
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.sdk.send(
          new ListObjectsV2Command({ Bucket: this.at.bucket, Prefix: prefix, ContinuationToken: token }),
          this.abortSignal,
        ),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.call('DeleteObject', key, () =>
      this.sdk.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: key }), this.abortSignal),
    );
  }
}
