import type { Config } from '../config';

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
