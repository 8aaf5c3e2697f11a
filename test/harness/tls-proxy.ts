import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

/** Files of a throwaway PKI made with openssl: a CA, a server certificate for `serverName`, a client certificate. */
export function makeCertificates(dir: string, serverName: string) {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Lifeboat test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      f(`${name}.pem`),
      '-extfile',
      f(`${name}.ext`),
    );
  };
  leaf('server', serverName, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  leaf('client', 'lifeboat-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

/**
 * A TLS front for a plain-text Temporal frontend that demands a client certificate signed by `ca` (mutual TLS, as
 * clusters and Temporal Cloud do) and forwards the decrypted HTTP/2 to `upstream`. Counts the connections it let in.
 */
export async function startMtlsProxy(o: { upstream: string; ca: string; cert: string; key: string }) {
  const [host, port] = o.upstream.split(':');
  const admitted = { count: 0 };
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { ca: readFileSync(o.ca), cert: readFileSync(o.cert), key: readFileSync(o.key), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (client) => {
      admitted.count++;
      const up = net.connect(Number(port), host);
      for (const s of [client, up]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      }
      client.pipe(up).pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    },
  );
  server.on('tlsClientError', () => undefined); // a client without a certificate is refused; that is the point
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      sockets.forEach((s) => s.destroy());
    });
  return { address, admitted, close };
}
