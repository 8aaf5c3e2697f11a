import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { continuationInput } from '../../contract/continuation';
import type { PinnedRun } from '../../contract/run';
import { loadRunbook, MAX_SOURCE_BYTES } from '../../model/load';
import { MAX_STEPS } from '../../model/runbook';
import { Signer } from '../../runs/signing';
import { resumeState } from '../../workflows/project';
import { initialState, RunStore } from '../../workflows/state';

// The language's largest run must be able to continue as new: Temporal refuses a payload over 2 MB
// (BlobSizeLimitError), and the input a run continues with is one payload. No server: the input is built by the code
// the engine builds it with (contract/continuation.ts, workflows/project.ts) and encoded as Temporal encodes it.

const PAYLOAD_LIMIT = 2 * 1024 * 1024;

/** Bytes of `value` as one encoded Temporal payload (the JSON payload converter's output, metadata included). */
const encodedSize = (value: unknown) => temporal.api.common.v1.Payload.encode(defaultPayloadConverter.toPayload(value)!).finish().length;

/** The largest runbook the language accepts: MAX_STEPS http steps with the longest step ids, padded to just under MAX_SOURCE_BYTES. */
function largestRunbook(): { text: string; run: PinnedRun } {
  const head = 'id: largest\ntitle: The largest runbook the language accepts\nsteps:\n';
  const step = (i: number, pad: string) => `  - id: ${`s${i}`.padEnd(64, 'x')}\n    action: http\n    with:\n      url: https://svc.example.com/${i}/${pad}\n`;
  const room = MAX_SOURCE_BYTES - head.length - Array.from({ length: MAX_STEPS }, (_, i) => step(i, '').length).reduce((a, b) => a + b, 0);
  const pad = 'p'.repeat(Math.floor(room / MAX_STEPS));
  const text = head + Array.from({ length: MAX_STEPS }, (_, i) => step(i, pad)).join('');
  const loaded = loadRunbook(text);
  if (!loaded.ok) throw new Error(`the largest runbook does not load: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const run: PinnedRun = {
    runId: `run-${randomBytes(4).toString('hex')}`,
    runbook: loaded.runbook,
    version: 1,
    hash: loaded.hash,
    mode: 'recovery',
    parameters: {},
    requester: 'alice',
    trigger: { kind: 'api', by: 'alice' },
    limits: { historyEvents: 100 },
  };
  return { text, run };
}

/** The run's state once every step ran as an http step does (workflows/execute.ts, then the engine's success). */
function everyStepSucceeded(run: PinnedRun): RunStore {
  const t0 = Date.parse('2026-12-02T10:00:00.000Z');
  const store = new RunStore(
    initialState(
      run.runbook.steps.map((s) => ({ id: s.id, title: s.title, action: s.action })),
      new Date(t0).toISOString(),
      t0,
    ),
  );
  run.runbook.steps.forEach((s, i) => {
    store.patchStep(s.id, { state: { status: 'running', attempts: 1, startedAt: new Date(t0 + i).toISOString(), finishedAt: undefined, error: undefined } });
    store.patchStep(s.id, { doneOrder: i, state: { status: 'succeeded', finishedAt: new Date(t0 + i + 1234).toISOString(), actualMs: 1234, outputs: {}, error: undefined } });
  });
  return store;
}

describe('continue-as-new of the largest run', () => {
  it('hands over an input well under Temporal’s 2 MB payload limit, its runbook by reference', () => {
    const { text, run } = largestRunbook();
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_SOURCE_BYTES - MAX_STEPS);
    expect(run.runbook.steps).toHaveLength(MAX_STEPS);
    const store = everyStepSucceeded(run);
    const resume = resumeState(store.state, { timelineSeq: 3 * MAX_STEPS, notifications: 0 }, true);
    const signed = new Signer(randomBytes(32).toString('base64')).signStart(continuationInput(run, resume), 'continue');

    const bytes = encodedSize(signed);
    console.log(
      `continuation of the largest run: ${bytes} bytes (runbook source ${Buffer.byteLength(text)} bytes, definition ${encodedSize(run.runbook)} bytes, ${MAX_STEPS} step states)`,
    );
    expect(bytes).toBeLessThan(0.75 * PAYLOAD_LIMIT);
    expect(signed.runbook).toBeUndefined();
    expect(signed).toMatchObject({ ref: { id: 'largest', version: 1 }, hash: run.hash, runId: run.runId });
    expect(signed.resume?.steps).toHaveLength(MAX_STEPS);
  });
});
