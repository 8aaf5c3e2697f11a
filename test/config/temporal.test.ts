import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { temporalConnectionOptions } from '../../temporal/connection';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-config-'));
const pem = (name: string, kind: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN ${kind}-----\n${name}\n-----END ${kind}-----\n`);
  return file;
};
const cert = pem('client.pem', 'CERTIFICATE');
const key = pem('client.key', 'PRIVATE KEY');
const ca = pem('ca.pem', 'CERTIFICATE');
const base = { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' };

describe('Temporal connection settings', () => {
  it('connects in plain text with no credentials when no TLS or API-key variable is set', () => {
    const config = loadConfig({ ...base, TEMPORAL_TLS_CERT: '', TEMPORAL_API_KEY: '' });
    expect(config.temporalTls).toBeUndefined();
    expect(temporalConnectionOptions(config)).toEqual({ address: 'ns.acct.tmprl.cloud:7233' });
  });

  it('reads the mTLS client pair, the CA and the server name from the files the variables name', () => {
    const config = loadConfig({ ...base, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    expect(temporalConnectionOptions(config)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {
        clientCertPair: {
          crt: Buffer.from('-----BEGIN CERTIFICATE-----\nclient.pem\n-----END CERTIFICATE-----\n'),
          key: Buffer.from('-----BEGIN PRIVATE KEY-----\nclient.key\n-----END PRIVATE KEY-----\n'),
        },
        serverRootCACertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nca.pem\n-----END CERTIFICATE-----\n'),
        serverNameOverride: 'temporal.internal',
      },
    });
  });

  it('turns TLS on for a CA or a server name alone (server-authenticated TLS, no client certificate)', () => {
    expect(loadConfig({ ...base, TEMPORAL_TLS_CA: ca }).temporalTls).toEqual({ serverRootCACertificate: expect.any(Buffer) });
    expect(loadConfig({ ...base, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporalTls).toEqual({ serverNameOverride: 'temporal.internal' });
  });

  it('passes an API key alone, leaving TLS to the SDK, which turns it on for API keys', () => {
    expect(temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_API_KEY: ' key-123 ' }))).toEqual({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'key-123' });
  });

  it('names the missing half when only the certificate or only the key is set', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CERT: cert })).toThrow(
      'invalid configuration:\n  TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs both the client certificate and its key',
    );
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_KEY: key })).toThrow(
      'invalid configuration:\n  TEMPORAL_TLS_CERT: TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: mTLS needs both the client certificate and its key',
    );
  });

  it('names the variable and the file when a file cannot be read or is not PEM', () => {
    const missing = path.join(dir, 'nope.pem');
    const notPem = path.join(dir, 'ca.der');
    writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01]));
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: missing, TEMPORAL_TLS_CA: notPem })).toThrow(
      `invalid configuration:\n  TEMPORAL_TLS_KEY: cannot read ${missing}: ENOENT\n  TEMPORAL_TLS_CA: ${notPem} is not a PEM file (no -----BEGIN line)`,
    );
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CA: dir })).toThrow(`TEMPORAL_TLS_CA: cannot read ${dir}: EISDIR`);
  });

  it('refuses to build connection options without an address', () => {
    expect(() => temporalConnectionOptions(loadConfig({}))).toThrow('TEMPORAL_ADDRESS is not set');
  });
});
