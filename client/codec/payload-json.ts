// The codec server's wire format (Temporal's remote codec protocol, as the Web UI and the
// `temporal` CLI send it): {"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}.
import type { Payload } from '@temporalio/common';

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A request body that is not that JSON shape; `detail` says where. */
export class PayloadJsonError extends Error {
  constructor(detail: string) {
    super(`bad request body: ${detail}`);
    this.name = 'PayloadJsonInvalid';
  }
}

// Standard or URL-safe, padded or not: what proto3 JSON parsers accept.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value))
    throw new PayloadJsonError(`${where} is not a base64 string`);
  return Buffer.from(value, 'base64');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function payloadFromJson(value: unknown, where: string): Payload {
  if (!isRecord(value)) throw new PayloadJsonError(`${where} is not an object`);
  const metadata: Record<string, Uint8Array> = {};
  if (value.metadata !== undefined && value.metadata !== null) {
    if (!isRecord(value.metadata)) throw new PayloadJsonError(`${where}.metadata is not an object`);
    for (const [k, v] of Object.entries(value.metadata)) metadata[k] = bytes(v, `${where}.metadata.${k}`);
  }
  const data =
    value.data === undefined || value.data === null ? new Uint8Array() : bytes(value.data, `${where}.data`);
  return { metadata, data };
}

/** Parses a request body; throws PayloadJsonError naming the first problem. */
export function payloadsFromJson(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PayloadJsonError('not JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.payloads))
    throw new PayloadJsonError('expected an object with a "payloads" array');
  return parsed.payloads.map((p, i) => payloadFromJson(p, `payloads[${i}]`));
}

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {}))
    metadata[k] = Buffer.from(v ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

export function payloadsToJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return { payloads: payloads.map(payloadToJson) };
}
