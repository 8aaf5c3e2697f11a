import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A local SMTP server that accepts every message and stores it as an .eml file, for the embedded default and tests. */
export interface MailCatcher {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(o: { port: number; dir: string; host?: string }): Promise<MailCatcher> {
  const { SMTPServer } = await smtpServer();
  mkdirSync(o.dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // Name sorts by arrival; the envelope is kept in a header line so tests can see the real recipients.
        const rcpt = session.envelope.rcptTo.map((r) => r.address).join(', ');
        const name = `${Date.now()}-${process.pid}-${++count}.eml`;
        writeFileSync(path.join(o.dir, name), Buffer.concat([Buffer.from(`X-Envelope-To: ${rcpt}\r\n`), ...chunks]));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${o.port} (SMTP) is already in use: stop what uses it or set SMTP_PORT`) : err),
    );
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return { port, dir: o.dir, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * smtp-server is a devDependency: a production install (`npm ci --omit=dev`, the Docker image) has no mail catcher,
 * only the real mail server SMTP_URL names. Loaded when the catcher starts, so nothing else needs it.
 */
async function smtpServer(): Promise<typeof import('smtp-server')> {
  try {
    return await import('smtp-server');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(
      "the embedded mail catcher needs the package smtp-server, a development dependency this install lacks (npm ci --omit=dev): run 'npm ci' for a development checkout, or set SMTP_URL to your mail server",
    );
  }
}
