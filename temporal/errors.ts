// Reading the gRPC status the Temporal SDK wraps (ServiceError → cause → grpc ServiceError with code and details).

/** gRPC status codes Lifeboat tells apart. */
export const GRPC = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  unimplemented: 12,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** The gRPC status code of `err` or of the first error in its cause chain that has one. */
export function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** What the server said (the gRPC details), else the error's message. */
export function grpcDetails(err: unknown): string {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const details = (e as { details?: unknown }).details;
    if (typeof details === 'string' && details) return details;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * When `err` is Temporal refusing to serve Lifeboat (unreachable, credentials refused, namespace or search
 * attribute missing, overloaded) rather than a problem of the request: the cause and its fix, in one sentence.
 */
export function temporalRefusal(err: unknown): string | undefined {
  const code = grpcCode(err);
  const said = grpcDetails(err);
  switch (code) {
    case GRPC.unavailable:
    case GRPC.deadlineExceeded:
      return `Temporal cannot be reached (${said})`;
    case GRPC.permissionDenied:
    case GRPC.unauthenticated:
      return `Temporal refused Lifeboat's credentials (${said}); check TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY`;
    case GRPC.resourceExhausted:
      return `Temporal is overloaded or rate-limiting (${said}); try again shortly`;
    case GRPC.invalidArgument:
      if (/search attribute/i.test(said)) return `Temporal refused the run's search attributes (${said}); start a worker or run 'lifeboat setup', which register them`;
      return undefined;
    case GRPC.notFound:
      if (/namespace/i.test(said)) return `Temporal does not know the namespace (${said}); check TEMPORAL_NAMESPACE`;
      return undefined;
    default:
      return undefined;
  }
}
