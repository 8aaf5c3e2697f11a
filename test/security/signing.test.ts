import { ConfigError, loadConfig } from '../../config';
import { Signer, signerFrom } from '../../runs/signing';

// The signature itself, without servers: what a key holder signs verifies; anything else does not.

const key = 'k'.repeat(32);
const approve = { stepId: 'go', decision: 'approve', actor: 'bob', roles: ['dba'] };

describe('signing', () => {
  it('verifies what it signed, for that run and update only', () => {
    const signer = new Signer(key);
    const signed = signer.signUpdate('run-1', 'approveStep', approve);
    expect(signer.verifyUpdate('run-1', 'approveStep', signed)).toBe(true);
    expect(signer.verifyUpdate('run-2', 'approveStep', signed)).toBe(false);
    expect(signer.verifyUpdate('run-1', 'skipStep', signed)).toBe(false);
    expect(signer.verifyUpdate('run-1', 'approveStep', { ...signed, actor: 'alice' })).toBe(false);
    expect(signer.verifyUpdate('run-1', 'approveStep', { ...signed, proof: { ...signed.proof, nonce: `${signed.proof.nonce}x` } })).toBe(false);
    expect(signer.verifyUpdate('run-1', 'approveStep', approve)).toBe(false);
    expect(new Signer('x'.repeat(32)).verifyUpdate('run-1', 'approveStep', signed)).toBe(false);
  });

  it('accepts what a previous key signed after a rotation, and signs with the new one', () => {
    const before = new Signer(key).signUpdate('run-1', 'pauseRun', { actor: 'olga', roles: ['operator'] });
    const rotated = new Signer('n'.repeat(32), [key]);
    expect(rotated.verifyUpdate('run-1', 'pauseRun', before)).toBe(true);
    expect(new Signer(key).verifyUpdate('run-1', 'pauseRun', rotated.signUpdate('run-1', 'pauseRun', { actor: 'olga', roles: ['operator'] }))).toBe(false);
  });

  it('refuses to make a signer without LIFEBOAT_SIGNING_KEY, and a key shorter than 32 characters', () => {
    expect(() => signerFrom(loadConfig({}))).toThrow(ConfigError);
    expect(() => signerFrom(loadConfig({}))).toThrow(/LIFEBOAT_SIGNING_KEY is not set/);
    expect(() => loadConfig({ LIFEBOAT_SIGNING_KEY: 'short' })).toThrow(/LIFEBOAT_SIGNING_KEY must be at least 32 characters/);
    expect(signerFrom(loadConfig({ LIFEBOAT_SIGNING_KEY: key }))).toBeInstanceOf(Signer);
  });
});
