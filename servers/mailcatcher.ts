import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** A local SMTP server that accepts every message and stores it as an .eml file, for the embedded default and tests. */
export interface MailCatcher {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(o: { port: number; dir: string; host?: string }): Promise<MailCatcher> {
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
