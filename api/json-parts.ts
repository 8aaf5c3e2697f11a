import type { Response } from 'express';
import { createHash } from 'node:crypto';

// A long timeline's answer is mostly its events' JSON text, which the store keeps per stored document
// (store/timeline.ts, readTimelineJson): the answer is those parts joined, with an ETag from their digests, so a read
// neither serialises the events again nor hashes the whole body again. A part's digest is kept for as long as its
// Buffer is (the store hands out the same Buffer for a document with the same bytes; no one writes into it).
const digests = new WeakMap<Buffer, string>();
const COMMA = Buffer.from(',');

function digestOf(part: Buffer): string {
  let digest = digests.get(part);
  if (digest === undefined) {
    digest = createHash('sha1').update(part).digest('base64');
    digests.set(part, digest);
  }
  return digest;
}

/** Sends `head`, the `parts` joined with ',', then `tail`, as application/json; the weak ETag changes with any byte of it. */
export function sendJsonParts(res: Response, head: string, parts: Buffer[], tail: string): void {
  const chunks: Buffer[] = [Buffer.from(head)];
  parts.forEach((part, i) => chunks.push(...(i > 0 ? [COMMA, part] : [part])));
  chunks.push(Buffer.from(tail));
  const body = Buffer.concat(chunks);
  const tag = createHash('sha1').update(head).update(tail);
  for (const part of parts) tag.update(digestOf(part));
  // As express's own weak ETags look (W/"<length>-<hash>"); set here, so express does not hash the body itself.
  res.set('ETag', `W/"${body.length.toString(16)}-${tag.digest('base64').slice(0, 27)}"`);
  res.type('application/json').send(body);
}
