import { SseParser, type SseMessage } from '../../cli/sse';

/**
 * Reads a Server-Sent Events stream until the server closes it, or until `stop` holds for what was read so far
 * (then the client disconnects). Answers the status, the messages and the raw text (comments included).
 */
export async function readSse(url: string, headers: Record<string, string>, stop: (m: SseMessage[], raw: string) => boolean = () => false) {
  const aborter = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: aborter.signal });
  const messages: SseMessage[] = [];
  let raw = '';
  if (!res.ok || !res.body) return { status: res.status, contentType: res.headers.get('content-type'), messages, raw: await res.text() };
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let closedByServer = true;
  for await (const chunk of res.body) {
    const text = decoder.decode(chunk, { stream: true });
    raw += text;
    messages.push(...parser.push(text));
    if (stop(messages, raw)) {
      closedByServer = false;
      break;
    }
  }
  aborter.abort(); // disconnects when `stop` ended the read; a no-op once the server closed the stream
  return { status: res.status, contentType: res.headers.get('content-type'), messages, raw, closedByServer };
}
