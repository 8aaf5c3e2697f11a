import { allChannels } from '../channels';
import type { Config } from '../config';
import { secretScrubber, smtpPassword, type Scrub } from '../notify/scrub';
import { createLogger, type Logger, type LoggerOptions } from './logger';

/**
 * Every secret value this process knows, masked in its log lines: the worker's LIFEBOAT_SECRET_* (as notifications
 * mask them), the admin token, the signing keys, Temporal's API key, the channels' secrets and the database and
 * mail passwords.
 */
export function logScrubber(config: Config, env: NodeJS.ProcessEnv): Scrub {
  const channelSecrets = allChannels().flatMap((channel) => channel.configSecrets(config));
  return secretScrubber(env, [
    config.LIFEBOAT_ADMIN_TOKEN,
    config.LIFEBOAT_SIGNING_KEY,
    ...config.LIFEBOAT_SIGNING_KEY_PREVIOUS,
    config.LIFEBOAT_EVIDENCE_KEY,
    config.TEMPORAL_API_KEY,
    ...channelSecrets,
    smtpPassword(config.SMTP_URL),
    smtpPassword(config.MONGODB_URI), // any URL's password
  ]);
}

/** The process's logger: LOG_LEVEL from the configuration, known secrets masked. */
export function processLogger(config: Config, o: Omit<LoggerOptions, 'level' | 'scrub'> = {}): Logger {
  return createLogger({ level: config.LOG_LEVEL, scrub: logScrubber(config, process.env), ...o });
}
