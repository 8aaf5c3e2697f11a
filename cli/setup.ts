import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config';
import { temporalConnectionOptions } from '../temporal/connection';
import { ensureSearchAttributes, SearchAttributeSetupError } from '../temporal/search-attributes';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat setup [--namespace NS]\n  reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_* and TEMPORAL_API_KEY like the worker';

/**
 * `lifeboat setup`: registers Lifeboat's search attributes in the Temporal namespace (what every worker also does
 * at start), as a one-off job for operators who prefer to run it with other credentials than the workers'.
 */
export const setupCommand: Command = {
  summary: "register Lifeboat's search attributes in the Temporal namespace",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { namespace: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('setup takes no arguments besides its options');
    let config;
    try {
      config = loadConfig(io.env ?? process.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`lifeboat setup: ${err.message}\n`);
      return EXIT.usage;
    }
    if (!config.TEMPORAL_ADDRESS) throw new UsageError('set TEMPORAL_ADDRESS to the Temporal frontend (host:port) to set up');
    const namespace = values.namespace ?? config.TEMPORAL_NAMESPACE;
    let connection: Connection;
    try {
      connection = await Connection.connect(temporalConnectionOptions(config));
    } catch (err) {
      io.stderr.write(`lifeboat setup: cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.unavailable;
    }
    try {
      const setup = await ensureSearchAttributes(connection.operatorService, namespace);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ address: config.TEMPORAL_ADDRESS, ...setup })}\n`);
        return EXIT.ok;
      }
      for (const name of setup.found) io.stdout.write(`search attribute ${name}: already registered in namespace ${namespace}\n`);
      for (const name of setup.created) io.stdout.write(`search attribute ${name}: registered in namespace ${namespace}\n`);
      io.stdout.write(`namespace ${namespace} on ${config.TEMPORAL_ADDRESS} is ready for Lifeboat\n`);
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof SearchAttributeSetupError)) throw err;
      io.stderr.write(`lifeboat setup: ${err.message}\n`);
      return EXIT.failed;
    } finally {
      await connection.close();
    }
  },
};
