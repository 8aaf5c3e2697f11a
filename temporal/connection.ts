import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config';

/**
 * The client's gRPC retries (Temporal's own interceptor), given up once `stopping()` says the connection is closing:
 * a retry timer that fires after the channel closed throws "Channel has been shut down" from the timer, uncaught,
 * where the call's caller cannot catch it (it failed test suites at teardown under load). A call failing while the
 * process stops fails at once instead.
 */
export function retriesUntilStopping(stopping: () => boolean): NonNullable<ConnectionOptions['interceptors']> {
  const retry = defaultGrpcRetryOptions();
  return [makeGrpcRetryInterceptor({ ...retry, retryableDecider: (attempt, status) => !stopping() && retry.retryableDecider(attempt, status) })];
}

/** What `Connection.connect` and `NativeConnection.connect` need, from the one parsed config: address, TLS, API key. */
export function temporalConnectionOptions(config: Config, address = config.TEMPORAL_ADDRESS): { address: string; tls?: Config['temporalTls']; apiKey?: string } {
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: name the Temporal frontend (host:port)');
  return {
    address,
    // The SDK turns TLS on by itself when an API key is given without TLS settings (Temporal Cloud's case).
    ...(config.temporalTls ? { tls: config.temporalTls } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}
