import { sleep } from '@temporalio/workflow';
import { durationMs, parseDuration } from '../model/duration';
import { defineAction, type Outcome } from './kit';

/** `wait`: a durable timer. */
export const wait = defineAction({
  with: (k) => k.z.strictObject({ duration: k.Duration.describe('How long to wait.') }).meta({ id: 'RunbookWaitWith', description: "The wait step's duration." }),
  resultFields: [],
  timeoutMs: 60 * 60_000,
  // A wait's own duration is a better estimate than its timeout.
  expectedMs: (w) => parseDuration(w.duration) ?? 0,
  exactEstimate: true,
  drill: 'run',
  mayHaveUndo: false,
  mayBeUndo: false,
  human: false,
  async run(step): Promise<Outcome> {
    await sleep(durationMs(step.with.duration));
    return { kind: 'succeeded', result: {} };
  },
});
