import type { RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logging/logger';

/** An incoming X-Request-Id is kept when it is a plain token (a proxy's or the caller's id); anything else is replaced. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * One access log line per request and `req.log` for the routes, both carrying the request id (`reqId`): the caller's
 * X-Request-Id when it sent a usable one, a new UUID otherwise; every answer echoes it in X-Request-Id.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true, // route lines carry reqId only; the access line has the request and answer
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const sent = req.headers['x-request-id'];
      const id = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // 503 is a dependency down (Temporal, MongoDB), logged with its cause where it is answered: a warning here.
    customLogLevel: (_req, res, err) => (err || (res.statusCode >= 500 && res.statusCode !== 503) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      // Method and path only: no headers (tokens, cookies), no query string.
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0], remoteAddress: req.remoteAddress }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
  });
}
