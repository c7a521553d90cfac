// The few server calls the namespace commands make, and the gRPC status codes they tell apart.
// Typed structurally so the CLI's Connection and the worker's NativeConnection both serve.
import type { OperatorService, WorkflowService } from '@temporalio/client';
import { google, type temporal } from '@temporalio/proto';
import { durationToMs } from './retention';

export interface NamespaceServices {
  workflowService: WorkflowService;
  operatorService: OperatorService;
}

export const GrpcCode = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC status code of a failed call (grpc-js and the worker's native client both set `code`). */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A google.protobuf.Duration of `ms` (fromObject turns the seconds into the Long the type wants). */
export function msToDuration(ms: number): google.protobuf.Duration {
  return google.protobuf.Duration.fromObject({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
}

/** The namespace's description, or undefined when it does not exist. */
export async function describeNamespace(
  services: NamespaceServices,
  namespace: string,
): Promise<temporal.api.workflowservice.v1.DescribeNamespaceResponse | undefined> {
  try {
    return await services.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (grpcCode(err) === GrpcCode.NOT_FOUND) return undefined;
    throw err;
  }
}

export function retentionOf(
  d: temporal.api.workflowservice.v1.IDescribeNamespaceResponse,
): number | undefined {
  return durationToMs(d.config?.workflowExecutionRetentionTtl);
}

/**
 * The namespace's retention in ms, or undefined when the server will not say (no such namespace,
 * no permission, unreachable): callers only use it to explain, never to decide.
 */
export async function namespaceRetentionMs(
  services: Pick<NamespaceServices, 'workflowService'>,
  namespace: string,
): Promise<number | undefined> {
  try {
    return retentionOf(await services.workflowService.describeNamespace({ namespace }));
  } catch {
    return undefined;
  }
}

/** Custom search attributes of the namespace: name → IndexedValueType. */
export async function customSearchAttributes(
  services: NamespaceServices,
  namespace: string,
): Promise<Record<string, number>> {
  const listed = await services.operatorService.listSearchAttributes({ namespace });
  return { ...(listed.customAttributes ?? {}) };
}
