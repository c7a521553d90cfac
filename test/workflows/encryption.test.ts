// Payload encryption on a real dev server with the real worker: with a key, what Temporal stores
// (inputs, activity results, update arguments, results, failure messages) is AES-GCM ciphertext;
// the same history reads in clear with the key, through the client and through the codec server
// (`temporal workflow show --codec-endpoint`, as the Web UI does).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, ENCRYPTED_ENCODING } from '../../client/codec/aes-gcm-codec';
import { createCodecServer, listenCodecServer } from '../../client/codec/codec-server';
import { keyRing } from '../../client/codec/keys';
import type { HakubeClient } from '../../client/hakube-client';
import {
  connectClient,
  eventually,
  startTestServer,
  startTestWorker,
  workflowHistoryJson,
  workflowHistoryJsonAsync,
  type RunningWorker,
  type TestServer,
} from '../helpers/temporal';
import { freePort } from '../helpers/ports';

const TASK_QUEUE = 'hakube-test-encryption';
const CLUSTER = 'zebra-cluster-4711';
const ring = keyRing([randomBytes(32)], 'test');
let server: TestServer;
let worker: RunningWorker;
let client: HakubeClient;
/** Same server, no key: sees what Temporal stores. */
let plain: HakubeClient;
let codecServer: Server;
let codecEndpoint: string;
const codecToken = randomBytes(32).toString('base64url');
/** The status of every call the codec server answered. */
const codecStatuses: unknown[] = [];

before(async () => {
  server = await startTestServer();
  worker = await startTestWorker(server.address, TASK_QUEUE, ring);
  client = await connectClient(server.address, TASK_QUEUE, ring);
  plain = await connectClient(server.address, TASK_QUEUE);
  codecServer = createCodecServer({
    codec: new AesGcmCodec(ring),
    token: codecToken,
    allowOrigins: [],
    log: (_level, _msg, meta) => codecStatuses.push(meta.status),
  });
  codecEndpoint = await listenCodecServer(codecServer, await freePort(), '127.0.0.1');
});

after(async () => {
  codecServer?.closeAllConnections();
  await new Promise((resolve) => (codecServer ? codecServer.close(resolve) : resolve(undefined)));
  await plain?.close();
  await client?.close();
  await worker?.stop();
  await server?.stop();
});

interface Found {
  path: string;
  payload: Payload;
}

/**
 * Every payload in a history, by path. Search attributes are left out: the server indexes them,
 * so they are never encoded (docs/encryption.md says what they show).
 */
function payloadsIn(value: unknown, path = ''): Found[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => payloadsIn(v, `${path}[${i}]`));
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && metadata.encoding instanceof Uint8Array)
    return [{ path, payload: record as Payload }];
  return Object.entries(record)
    .filter(([k, v]) => k !== 'searchAttributes' && v !== null && v !== undefined)
    .flatMap(([k, v]) => payloadsIn(v, `${path}.${k}`));
}

const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString();
const bytesOf = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString('latin1');

async function storedHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  return plain.temporal.workflow.getHandle(workflowId).fetchHistory();
}

function assertAllEncrypted(found: Found[], secrets: string[]): void {
  const clear = found.filter((f) => encodingOf(f.payload) !== ENCRYPTED_ENCODING);
  assert.deepEqual(
    clear.map((f) => `${f.path}: ${encodingOf(f.payload)}`),
    [],
    'every stored payload is encrypted',
  );
  for (const f of found)
    for (const s of secrets) assert.ok(!bytesOf(f.payload).includes(s), `${f.path} holds "${s}" in clear`);
}

test('with a key, the stored history holds ciphertext only; with the key it reads in clear', async () => {
  const workflowId = 'encrypted-selftest';
  await client.startSelfTest({ cluster: CLUSTER }, workflowId);
  const result = await client.result(workflowId);
  assert.equal(result.worker.pid, process.pid);
  assert.equal((await client.progress(workflowId)).status, 'completed');

  const history = await storedHistory(workflowId);
  const found = payloadsIn(history.events);
  const paths = found.map((f) => f.path).join('\n');
  // The workflow input, the activity's result and the workflow's result at least.
  assert.match(paths, /workflowExecutionStartedEventAttributes\.input/);
  assert.match(paths, /activityTaskCompletedEventAttributes\.result/);
  assert.match(paths, /workflowExecutionCompletedEventAttributes\.result/);
  assertAllEncrypted(found, [CLUSTER, 'json/plain']);
  // Without the key the result is ciphertext the SDK cannot even convert.
  await assert.rejects(plain.result(workflowId), /binary\/encrypted/);

  // With the key, every one of those payloads decrypts, and the input is the cluster's.
  const [codec] = client.temporal.options.loadedDataConverter.payloadCodecs;
  const decoded = await codec.decode(found.map((f) => f.payload));
  assert.ok(decoded.every((p) => encodingOf(p) !== ENCRYPTED_ENCODING));
  const started = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const [input] = await codec.decode(started);
  assert.equal(JSON.parse(bytesOf(input)).cluster, CLUSTER);
});

test('the codec server decodes the same history for `temporal workflow show --codec-endpoint` (the Web UI path)', async () => {
  const workflowId = 'encrypted-selftest';
  const stored = workflowHistoryJson(server.address, workflowId);
  assert.match(stored, new RegExp(Buffer.from(ENCRYPTED_ENCODING).toString('base64')));
  assert.ok(!stored.includes(CLUSTER));
  // Asynchronously: the codec server answering the CLI runs in this process.
  const shown = await workflowHistoryJsonAsync(server.address, workflowId, [
    '--codec-endpoint',
    codecEndpoint,
    '--codec-auth',
    `Bearer ${codecToken}`,
  ]);
  // Without the token the codec server decodes nothing for the CLI (which retries until its timeout).
  codecStatuses.length = 0;
  await assert.rejects(
    workflowHistoryJsonAsync(server.address, workflowId, [
      '--codec-endpoint',
      codecEndpoint,
      '--command-timeout',
      '3s',
    ]),
  );
  assert.ok(codecStatuses.length > 0 && codecStatuses.every((s) => s === 401), String(codecStatuses));
  assert.ok(!shown.includes(Buffer.from(ENCRYPTED_ENCODING).toString('base64')), 'nothing left encrypted');
  const events = (
    JSON.parse(shown) as { events: Record<string, { input?: { payloads: { data: string }[] } }>[] }
  ).events;
  const input = events[0].workflowExecutionStartedEventAttributes?.input?.payloads[0].data ?? '';
  assert.equal(JSON.parse(Buffer.from(input, 'base64').toString()).cluster, CLUSTER);
});

test('failure messages and update arguments are encrypted too (encodeCommonAttributes)', async () => {
  const workflowId = 'encrypted-selftest-rejected';
  const reason = 'change-ticket-secret-0815';
  await client.startSelfTest({ cluster: CLUSTER, requireApproval: true }, workflowId);
  await eventually(async () => (await client.progress(workflowId)).waiting, 30_000, 'the approval wait');
  await client.decide(workflowId, { approve: false, by: 'alice', reason });

  const err = await client.result(workflowId).then(
    () => assert.fail('expected the workflow to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'ApprovalRejected');
  assert.match(err.cause.message, new RegExp(reason));

  const history = await storedHistory(workflowId);
  const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
    ?.workflowExecutionFailedEventAttributes?.failure;
  assert.equal(failed?.message, 'Encoded failure');
  assert.equal(failed?.stackTrace ?? '', '');
  assert.equal(encodingOf(failed?.encodedAttributes ?? {}), ENCRYPTED_ENCODING);
  const found = payloadsIn(history.events);
  assert.match(found.map((f) => f.path).join('\n'), /workflowExecutionUpdateAcceptedEventAttributes/);
  assertAllEncrypted(found, [reason, CLUSTER]);
  // Nowhere in the stored bytes, not even outside payloads.
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
  assert.ok(!bytes.includes(reason));
  // A client without the key cannot read why (nor convert the failure at all).
  await assert.rejects(plain.result(workflowId), /binary\/encrypted/);
});

test('a workflow started without the key is refused by the encrypting worker: nothing runs', async () => {
  const workflowId = 'plaintext-selftest';
  await plain.startSelfTest({ cluster: CLUSTER }, workflowId);
  const failed = await eventually(
    async () => {
      const events = (await plain.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const failure = events.find(
        (e) => e.workflowTaskFailedEventAttributes,
      )?.workflowTaskFailedEventAttributes;
      return failure ? { failure, events } : undefined;
    },
    30_000,
    'a failed workflow task',
  );
  // The failure itself is encrypted (encoded attributes): read it with the key.
  const [codec] = client.temporal.options.loadedDataConverter.payloadCodecs;
  const encoded = failed.failure.failure?.encodedAttributes as Payload;
  const [attributes] = await codec.decode([encoded]);
  assert.match(bytesOf(attributes), /PlaintextPayloadRefused|not encrypted/);
  assert.equal(
    failed.events.some((e) => e.activityTaskScheduledEventAttributes),
    false,
    'an activity ran on a plaintext input',
  );
  await plain.temporal.workflow.getHandle(workflowId).terminate('test done');
});
