// The one logger of the API, the worker and the embedded default: pino, JSON lines (pretty on a terminal), with the
// active trace's ids on every line and secrets masked twice: by field (redaction) and by value (the scrubber).
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import type { Scrub } from '../notify/scrub';

export type { Logger } from 'pino';

/** Fields that carry credentials wherever they appear in a log line: replaced by *** before the line is written. */
export const REDACTED_FIELDS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'token',
  'password',
  'secret',
  '*.token',
  '*.password',
  '*.secret',
];

export interface LoggerOptions {
  level: Level | 'silent';
  /** Where the lines go (default: stdout; pretty when it is a terminal). */
  destination?: DestinationStream;
  /** Masks known secret values (LIFEBOAT_SECRET_*, the admin token…) in every written line. */
  scrub?: Scrub;
  /** Fields on every line (the process's role: api, worker, lifeboat). */
  base?: Record<string, unknown>;
}

/** A pino logger; every line inside a traced context carries trace_id and span_id. */
export function createLogger(o: LoggerOptions): Logger {
  const scrub = o.scrub;
  return pino(
    {
      level: o.level,
      base: o.base ?? {},
      redact: { paths: REDACTED_FIELDS, censor: '***' },
      // The last word on secrets: a line is masked as written, whatever field or error text carries the value.
      ...(scrub ? { hooks: { streamWrite: (line: string) => scrub(line) } } : {}),
      mixin: traceIds,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    o.destination ?? stdout(),
  );
}

/** A logger that writes nothing (library callers that pass none, tests that do not look). */
export const silentLogger: Logger = pino({ level: 'silent' });

function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return isSpanContextValid(c) ? { trace_id: c.traceId, span_id: c.spanId } : {};
}

/**
 * Standard output: pretty when it is a terminal, JSON lines otherwise. Written synchronously: a process that exits
 * right after its last line (a start-up error, Ctrl-C) keeps it.
 */
export function stdout(): DestinationStream {
  if (!process.stdout.isTTY) return pino.destination({ fd: 1, sync: true });
  // Loaded only for a terminal: production writes plain JSON and never loads the pretty printer.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

/** Standard output (as stdout() writes it) and a JSON-lines file (created with its folder if need be). */
export function stdoutAndFile(file: string): DestinationStream {
  return pino.multistream([
    // Each stream passes every line: the logger's own level is the filter.
    { level: 'trace', stream: stdout() },
    { level: 'trace', stream: pino.destination({ dest: file, mkdir: true, append: true, sync: true }) },
  ]);
}
