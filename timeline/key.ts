// The evidence key, parsed from configuration. Its own module (Node crypto only) so config/ can check the key at
// start-up without importing the chain code and, through it, the runbook language.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The worker's evidence key: the private key signs heads, the public key (and its id) goes into exports. */
export interface EvidenceKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

// PKCS#8 DER of an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Parses LIFEBOAT_EVIDENCE_KEY: a PEM Ed25519 private key (PKCS#8), or the base64 of its 32-byte seed. */
export function parseEvidenceKey(text: string): EvidenceKey {
  const value = text.trim();
  let privateKey: KeyObject;
  if (value.includes('-----BEGIN')) {
    privateKey = createPrivateKey(value.replace(/\\n/g, '\n'));
  } else {
    const seed = Buffer.from(value, 'base64');
    if (seed.length !== 32) throw new Error(`LIFEBOAT_EVIDENCE_KEY must be a PEM Ed25519 private key or the base64 of a 32-byte seed; this decodes to ${seed.length} bytes`);
    privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`LIFEBOAT_EVIDENCE_KEY must be an Ed25519 key, not ${privateKey.asymmetricKeyType ?? 'a symmetric key'}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey) };
}

/** The id of a public key: the first 16 hex digits of the SHA-256 of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}
