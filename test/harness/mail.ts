import { simpleParser, type ParsedMail } from 'mailparser';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait';

/** Every message the suite's mail catcher has received, parsed. */
export async function receivedMail(): Promise<Array<ParsedMail & { envelopeTo: string[] }>> {
  const dir = process.env.LIFEBOAT_TEST_MAIL_DIR;
  if (!dir) throw new Error('LIFEBOAT_TEST_MAIL_DIR is not set: these tests need the suite mail catcher (unset SMTP_URL)');
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const raw = readFileSync(path.join(dir, name));
    const mail = await simpleParser(raw);
    const header = mail.headers.get('x-envelope-to');
    out.push(
      Object.assign(mail, {
        envelopeTo: String(header ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      }),
    );
  }
  return out;
}

/** Waits for mail matching `match`, failing with what did arrive. */
export async function waitForMail(match: (m: ParsedMail & { envelopeTo: string[] }) => boolean, timeoutMs = 20_000) {
  return waitFor(
    `mail`,
    async () => (await receivedMail()).filter(match),
    (found) => found.length > 0,
    timeoutMs,
  );
}
