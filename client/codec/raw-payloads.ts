// Payloads and failures the SDK hands over undecoded (describe()'s pending activities): run them
// through the client's codecs the way the SDK does for results, last codec first.
import type { LoadedDataConverter, Payload, ProtoFailure } from '@temporalio/common';

export async function decodeRawPayload(converter: LoadedDataConverter, payload: Payload): Promise<Payload> {
  let decoded = payload;
  for (const codec of [...converter.payloadCodecs].reverse()) [decoded] = await codec.decode([decoded]);
  return decoded;
}

/** The value a raw payload holds, or undefined when it cannot be decoded or converted. */
export async function rawPayloadValue(
  converter: LoadedDataConverter,
  payload: Payload | null | undefined,
): Promise<unknown> {
  if (!payload) return undefined;
  try {
    return converter.payloadConverter.fromPayload<unknown>(await decodeRawPayload(converter, payload));
  } catch {
    return undefined;
  }
}

/**
 * A failure's message. With encryption on, the message travels encoded (and encrypted) in
 * encodedAttributes and the plain `message` is only "Encoded failure".
 */
export async function rawFailureMessage(
  converter: LoadedDataConverter,
  failure: ProtoFailure | null | undefined,
): Promise<string | undefined> {
  if (!failure) return undefined;
  const attrs = await rawPayloadValue(converter, failure.encodedAttributes);
  if (attrs && typeof attrs === 'object' && 'message' in attrs && typeof attrs.message === 'string')
    return attrs.message;
  return failure.message ?? undefined;
}
