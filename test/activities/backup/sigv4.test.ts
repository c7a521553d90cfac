import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_SHA256,
  parseCredentialsFile,
  parseListObjects,
  signS3Request,
  uriEncode,
} from '../../../activities/backup/sigv4';

// The worked example of AWS's S3 documentation ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk", GET Object with a Range header).
const EXAMPLE_CREDS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

test('SigV4: the GET Object example of the S3 documentation', () => {
  const signed = signS3Request(
    {
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { range: 'bytes=0-9' },
      payloadSha256: EMPTY_SHA256,
      region: 'us-east-1',
      now: new Date('2013-05-24T00:00:00Z'),
    },
    EXAMPLE_CREDS,
  );
  assert.equal(signed.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  assert.equal(
    signed.headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
});

test('SigV4: the GET Bucket (list objects) example of the S3 documentation', () => {
  const signed = signS3Request(
    {
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/',
      query: { 'max-keys': '2', prefix: 'J' },
      payloadSha256: EMPTY_SHA256,
      region: 'us-east-1',
      now: new Date('2013-05-24T00:00:00Z'),
    },
    EXAMPLE_CREDS,
  );
  assert.equal(signed.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  assert.equal(signed.pathAndQuery, '/?max-keys=2&prefix=J');
});

test('paths and query values are encoded as S3 canonicalizes them', () => {
  assert.equal(uriEncode('/bkt/etcd backups/a+b~c.db', true), '/bkt/etcd%20backups/a%2Bb~c.db');
  assert.equal(uriEncode('a/b'), 'a%2Fb');
  assert.equal(uriEncode('ü'), '%C3%BC');
});

test('credentials files in the ~/.aws/credentials format', () => {
  const text =
    '# ci\n[other]\naws_access_key_id = A1\naws_secret_access_key = S1\n\n[default]\naws_access_key_id=A2\naws_secret_access_key=S2/x=\n';
  assert.deepEqual(parseCredentialsFile(text), { accessKeyId: 'A2', secretAccessKey: 'S2/x=' });
  assert.deepEqual(parseCredentialsFile(text, 'other'), { accessKeyId: 'A1', secretAccessKey: 'S1' });
  assert.equal(parseCredentialsFile('[default]\naws_access_key_id=A\n'), undefined);
});

test('ListObjectsV2 pages', () => {
  const page =
    '<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/a&amp;b.json</Key></Contents>' +
    '<Contents><Key>p/c.db</Key></Contents><NextContinuationToken>tok/1=</NextContinuationToken></ListBucketResult>';
  assert.deepEqual(parseListObjects(page), { keys: ['p/a&b.json', 'p/c.db'], next: 'tok/1=' });
  assert.deepEqual(
    parseListObjects('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'),
    {
      keys: [],
    },
  );
});
