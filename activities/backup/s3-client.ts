// A small S3 client over node:http(s), signed with SigV4 (sigv4.ts): the five calls
// a snapshot store needs, with bodies streamed both ways. Path-style addressing
// (`endpoint/bucket/key`), which AWS, MinIO and Ceph RGW all accept.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { EMPTY_SHA256, parseListObjects, signS3Request, type S3Credentials } from './sigv4';

export interface S3Location {
  endpoint: string;
  bucket: string;
  region: string;
}

/** A single PUT carries at most 5 GiB (S3's limit); larger objects would need a multipart upload. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

interface Call {
  method: 'GET' | 'PUT' | 'DELETE' | 'HEAD';
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  payloadSha256?: string;
  body?: Buffer | { file: string; size: number };
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class S3Client {
  constructor(
    private readonly at: S3Location,
    private readonly creds: S3Credentials,
  ) {}

  describe(key = ''): string {
    return `s3://${this.at.bucket}/${key}`;
  }

  /** Sends one request; the response is handed over unread when it succeeded. */
  private send(call: Call): Promise<IncomingMessage> {
    const url = new URL(this.at.endpoint);
    const basePath = url.pathname.replace(/\/$/, '');
    const path = `${basePath}/${this.at.bucket}${call.key === undefined ? '' : `/${call.key}`}`;
    const body = call.body;
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
    const signed = signS3Request(
      {
        method: call.method,
        host: url.host,
        path,
        query: call.query,
        headers: { ...call.headers, ...(body !== undefined ? { 'content-length': String(length) } : {}) },
        payloadSha256: call.payloadSha256 ?? EMPTY_SHA256,
        region: this.at.region,
        now: new Date(),
      },
      this.creds,
    );
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          method: call.method,
          hostname: url.hostname,
          port: url.port || undefined,
          path: signed.pathAndQuery,
          headers: signed.headers,
          timeout: 60_000,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(res);
          void readAll(res).then((text) => reject(this.failure(call, status, text)), reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${this.describe(call.key)}: no answer in 60 s`)));
      req.on('error', (err) =>
        reject(
          ApplicationFailure.create({
            type: ErrorTypes.BackupTargetUnreachable,
            message: `${this.at.endpoint}: ${err.message}`,
          }),
        ),
      );
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(createReadStream(body.file), req).catch((err: Error) => req.destroy(err));
    });
  }

  /** 4xx is a refusal retrying cannot fix (no bucket, access denied, quota); 5xx may pass. */
  private failure(call: Call, status: number, text: string): ApplicationFailure {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${status}`;
    const detail = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return ApplicationFailure.create({
      type: permanent ? ErrorTypes.BackupTargetRefused : ErrorTypes.BackupTargetUnreachable,
      message: `${call.method} ${this.describe(call.key)}: ${code}${detail ? `: ${detail}` : ''}`,
      nonRetryable: permanent,
    });
  }

  /** Uploads a local file as one object; S3 checks it against `sha256` (x-amz-content-sha256). */
  async putFile(key: string, file: string, sha256: string): Promise<number> {
    const { size } = await stat(file);
    if (size > MAX_SINGLE_PUT_BYTES)
      throw ApplicationFailure.create({
        type: ErrorTypes.BackupTargetRefused,
        message: `${this.describe(key)}: ${size} bytes is more than one S3 PUT carries (5 GiB)`,
        nonRetryable: true,
      });
    // AWS checks the body against x-amz-content-sha256, and stores and checks the checksum too;
    // stores that check neither still answer HEAD with the size they kept.
    const res = await this.send({
      method: 'PUT',
      key,
      body: { file, size },
      payloadSha256: sha256,
      headers: { 'x-amz-checksum-sha256': Buffer.from(sha256, 'hex').toString('base64') },
    });
    res.resume();
    const head = await this.send({ method: 'HEAD', key });
    head.resume();
    const kept = Number(head.headers['content-length']);
    if (kept !== size)
      throw ApplicationFailure.create({
        type: ErrorTypes.BackupTargetUnreachable,
        message: `${this.describe(key)}: the store kept ${kept} bytes of ${size}`,
      });
    return size;
  }

  async putBytes(key: string, body: Buffer, contentType = 'application/json'): Promise<void> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    const res = await this.send({
      method: 'PUT',
      key,
      body,
      payloadSha256: sha256,
      headers: { 'content-type': contentType },
    });
    res.resume();
  }

  /** Streams the object into `out`; undefined when there is no such object. */
  async getTo(key: string, out: Writable): Promise<number | undefined> {
    let res: IncomingMessage;
    try {
      res = await this.send({ method: 'GET', key });
    } catch (err) {
      if (err instanceof ApplicationFailure && /: NoSuchKey\b/.test(err.message)) return undefined;
      throw err;
    }
    let bytes = 0;
    res.on('data', (c: Buffer) => (bytes += c.length));
    await pipeline(res, out);
    return bytes;
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      return await readAll(await this.send({ method: 'GET', key }));
    } catch (err) {
      if (err instanceof ApplicationFailure && /: NoSuchKey\b/.test(err.message)) return undefined;
      throw err;
    }
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (token) query['continuation-token'] = token;
      const page = parseListObjects(await readAll(await this.send({ method: 'GET', query })));
      keys.push(...page.keys);
      token = page.next;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    (await this.send({ method: 'DELETE', key })).resume();
  }
}
