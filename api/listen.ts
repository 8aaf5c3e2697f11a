import type { Express } from 'express';
import http from 'node:http';

/**
 * Serves `app` on host:port; a port already in use is an error that names it. When the server closes, the app
 * emits 'close', so that its background work (the rate-counter sweep) stops with it.
 */
export function listen(app: Express, port: number, host: string): Promise<http.Server> {
  // Not app.listen: express 5 hands listen errors to its callback, where they are easy to lose.
  const server = http.createServer(app);
  server.once('close', () => app.emit('close'));
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} (API) is already in use: stop what uses it or set PORT`) : err),
    );
    server.listen(port, host, () => resolve(server));
  });
}
