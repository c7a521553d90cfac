// The worker's start-up check: hakube's search attributes exist in its namespace. The worker only
// reads (a least-privilege worker, or one on Temporal Cloud, may not register anything), and
// refuses to start without them: every operation would fail its first upsert.
import { customSearchAttributes, grpcCode, GrpcCode, type NamespaceServices } from './grpc';
import { compareSearchAttributes, describeWrongTypes } from './search-attributes';

export const SETUP_COMMAND = 'hakube namespace setup';

export class NamespaceNotReadyError extends Error {
  override name = 'NamespaceNotReady';
}

const howToFix = (namespace: string) =>
  `an administrator runs \`${SETUP_COMMAND} --namespace ${namespace}\` once (docs/temporal.md)`;

export type Readiness = { checked: true } | { checked: false; reason: string };

/**
 * Resolves when the namespace has hakube's attributes, or when the server will not let this
 * identity look (then the reason, for a warning); throws NamespaceNotReadyError otherwise.
 */
export async function requireNamespaceReady(
  services: NamespaceServices,
  namespace: string,
): Promise<Readiness> {
  let existing: Record<string, number>;
  try {
    existing = await customSearchAttributes(services, namespace);
  } catch (err) {
    const code = grpcCode(err);
    if (code === GrpcCode.NOT_FOUND)
      throw new NamespaceNotReadyError(`namespace ${namespace} does not exist: ${howToFix(namespace)}`);
    if (code === GrpcCode.PERMISSION_DENIED || code === GrpcCode.UNIMPLEMENTED)
      return { checked: false, reason: (err as Error).message };
    throw err;
  }
  const compared = compareSearchAttributes(existing);
  const problems = [
    ...(compared.missing.length ? [`lacks hakube's search attributes ${compared.missing.join(', ')}`] : []),
    ...(compared.wrongType.length ? [describeWrongTypes(compared.wrongType)] : []),
  ];
  if (problems.length > 0)
    throw new NamespaceNotReadyError(
      `namespace ${namespace}: ${problems.join('; ')}; ${howToFix(namespace)}`,
    );
  return { checked: true };
}
