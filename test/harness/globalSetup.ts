// Starts one Temporal dev server, one FerretDB (throwaway data) and one SMTP mail catcher for the whole suite,
// unless TEMPORAL_ADDRESS / MONGODB_URI / SMTP_URL name servers to use instead. Test files read where they are
// from the environment, which jest's workers inherit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { startServers } from '../../servers/local';

export default async function globalSetup(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-test-'));
  const t0 = Date.now();
  const servers = await startServers(loadConfig(), { home, ephemeral: true, log: (l) => console.log(`\n[globalSetup] ${l}`) });
  servers.notes.forEach((n) => console.log(`[globalSetup] ${n}`));
  console.log(`[globalSetup] servers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (logs: ${path.join(home, 'logs')})`);
  process.env.TEMPORAL_ADDRESS = servers.temporalAddress;
  process.env.MONGODB_URI = servers.mongoUri;
  process.env.SMTP_URL = servers.smtpUrl;
  if (servers.mailDir) process.env.LIFEBOAT_TEST_MAIL_DIR = servers.mailDir;
  process.env.LIFEBOAT_TEST_HOME = home;
  // The API's and worker's JSON lines would bury jest's output; a test that reads them captures its own logger.
  process.env.LOG_LEVEL ??= 'silent';
  // No worker of the suite checks the drill programme on a schedule (it would mail the owners of every test's runbooks); the tests that check it start the check themselves.
  process.env.LIFEBOAT_DRILL_CHECK_EVERY ??= 'off';
  // The suite's targets, receivers and mail catcher listen on loopback, which the egress policy denies by default.
  process.env.LIFEBOAT_EGRESS_ALLOW ??= '127.0.0.0/8,::1';
  console.log(`[globalSetup] egress: loopback (${process.env.LIFEBOAT_EGRESS_ALLOW}) is allowed for the test suite`);
  // The API and the workers (in-process and spawned) share it, as a deployment's would (docs/security.md).
  process.env.LIFEBOAT_SIGNING_KEY ??= `test-signing-key-${randomBytes(24).toString('base64url')}`;
  // Every worker and API of the suite signs and checks timeline heads with the same evidence key.
  process.env.LIFEBOAT_EVIDENCE_KEY ??= randomBytes(32).toString('base64');
  (globalThis as { __lifeboatServers?: typeof servers }).__lifeboatServers = servers;
}
