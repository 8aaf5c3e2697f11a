// What the API vouches for is signed with the key it shares with the worker (LIFEBOAT_SIGNING_KEY): who sends an
// update (actor, roles, the whole payload) and what a run starts with (requester, runbook version and hash, the
// whole input). HMAC-SHA256 over canonical JSON, bound to a purpose, the run and the update's name, so a proof
// for one message is worthless for any other. docs/security.md says what this does and does not protect.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError, type Config } from '../config';
import type { Proof, RunInput } from '../contract/run';
import { canonicalJson } from '../model/hash';

type Signed = object & { proof?: Proof };

/** Signs with the current key; verifies against it and any previous ones (a rotation does not strand schedules). */
export class Signer {
  private readonly keys: Buffer[];

  constructor(current: string, previous: readonly string[] = []) {
    this.keys = [current, ...previous].map((k) => Buffer.from(k, 'utf8'));
  }

  /** The update's payload with a fresh proof for this run and update. */
  signUpdate<A extends object>(runId: string, update: string, payload: A, now = new Date()): A & { proof: Proof } {
    const { proof: _old, ...rest } = payload as A & Signed;
    return { ...payload, proof: this.proof(now, (p) => ({ purpose: 'update', runId, update, payload: rest, ...p })) };
  }

  /** Whether the update's proof is this key's for this run, update and payload (its freshness is the workflow's check). */
  verifyUpdate(runId: string, update: string, payload: object): boolean {
    const { proof, ...rest } = payload as Signed;
    return proof !== undefined && this.matches(proof, { purpose: 'update', runId, update, payload: rest, issuedAt: proof.issuedAt, nonce: proof.nonce });
  }

  /** The start input with a proof over all of it. */
  signStart<I extends RunInput>(input: I, purpose: StartPurpose = 'start', now = new Date()): I {
    const { proof: _old, ...rest } = input;
    return { ...input, proof: this.proof(now, (p) => ({ purpose, input: rest, ...p })) };
  }

  /** Whether the input's proof is this key's for this purpose and the whole input. */
  verifyStart(input: RunInput, purpose: StartPurpose): boolean {
    const { proof, ...rest } = input;
    return proof !== undefined && this.matches(proof, { purpose, input: rest, issuedAt: proof.issuedAt, nonce: proof.nonce });
  }

  private proof(now: Date, subject: (p: { issuedAt: string; nonce: string }) => unknown): Proof {
    const p = { issuedAt: now.toISOString(), nonce: randomBytes(16).toString('base64url') };
    return { ...p, mac: this.mac(this.keys[0]!, subject(p)) };
  }

  private matches(proof: Proof, subject: unknown): boolean {
    const given = Buffer.from(proof.mac, 'base64url');
    return this.keys.some((key) => {
      const want = Buffer.from(this.mac(key, subject), 'base64url');
      return want.length === given.length && timingSafeEqual(want, given);
    });
  }

  private mac(key: Buffer, subject: unknown): string {
    return createHmac('sha256', key).update(canonicalJson(subject)).digest('base64url');
  }
}

/**
 * `start`: the API's start of one run (bound to its run id); `schedule`: a schedule's drill, signed once when
 * the schedule is made and valid for every start it makes; `continue`: the worker's hand-over at continue-as-new.
 */
export type StartPurpose = 'start' | 'schedule' | 'continue';

/** The signer of this process, from LIFEBOAT_SIGNING_KEY; the API and the worker refuse to start without one. */
export function signerFrom(config: Pick<Config, 'LIFEBOAT_SIGNING_KEY' | 'LIFEBOAT_SIGNING_KEY_PREVIOUS'>): Signer {
  if (!config.LIFEBOAT_SIGNING_KEY) {
    throw new ConfigError(
      'LIFEBOAT_SIGNING_KEY is not set: the API and the worker share it to sign and check who acts on a run (docs/security.md). ' +
        'Set the same value (at least 32 characters, e.g. `openssl rand -base64 32`) for both; `npm start` makes one under LIFEBOAT_HOME.',
    );
  }
  return new Signer(config.LIFEBOAT_SIGNING_KEY, config.LIFEBOAT_SIGNING_KEY_PREVIOUS);
}
