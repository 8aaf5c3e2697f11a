import { canonicalJson } from '../../model/hash';
import { chainEvents, GENESIS_HASH, verifyChain } from '../../timeline/chain';
import { StoredTimelineEvent, TimelineEventType, type TimelineDetail } from '../../timeline/event';
import { EXAMPLE_DETAILS, exampleEvent } from './examples';

const at = '2026-11-24T10:00:00.000Z';
const raw = (type: string, detail: unknown, seq = 1) => ({ seq, at, type, actor: 'lifeboat', stepId: 'b', attempt: 1, detail, runId: 'r', prevHash: GENESIS_HASH, hash: 'h' });
// What the store does to an event: JSON out and back in (detail is kept as a JSON string).
const throughJson = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));
const problems = (input: unknown) => {
  const parsed = StoredTimelineEvent.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('timeline event schemas', () => {
  it('parse every type of event back to the same canonical JSON, with and without each optional field', () => {
    for (const type of TimelineEventType.options) {
      const detail: Record<string, unknown> = EXAMPLE_DETAILS[type];
      // The full example, and the example less each key the schema lets it do without (no default may fill it in).
      const variants = [detail, ...Object.keys(detail).map((key) => Object.fromEntries(Object.entries(detail).filter(([k]) => k !== key)))];
      for (const variant of variants) {
        const stored = throughJson(raw(type, variant));
        const parsed = StoredTimelineEvent.safeParse(stored);
        if (variant !== detail && !parsed.success) continue; // a required key
        expect([type, parsed.success && canonicalJson(parsed.data)]).toEqual([type, canonicalJson(stored)]);
      }
    }
  });

  it('keep keys they do not know, at every level of a detail', () => {
    const detail = { ...EXAMPLE_DETAILS['run.completed'], addedLater: { x: 1 }, recovery: { ...EXAMPLE_DETAILS['run.completed'].recovery, phase: 'dns' } };
    const stored = throughJson(raw('run.completed', detail));
    const parsed = StoredTimelineEvent.parse(stored);
    expect(canonicalJson(parsed)).toBe(canonicalJson(stored));
    expect(parsed.detail).toMatchObject({ addedLater: { x: 1 }, recovery: { phase: 'dns' } });
  });

  it('leave the hash chain of stored events verifiable after a parse', () => {
    const events = TimelineEventType.options.map((type, i) => exampleEvent(type, i + 1));
    for (const e of events) e.detail.addedLater = { by: 'a newer worker' }; // written with a key this version does not know
    const reread = chainEvents('r', events, GENESIS_HASH).map((e) => StoredTimelineEvent.parse(throughJson(e)));
    expect(verifyChain('r', reread)).toMatchObject({ ok: true, events: TimelineEventType.options.length });
  });

  it('reject a detail field of the wrong type, naming its path', () => {
    expect(problems(raw('step.failed', { error: 500, final: true }))).toEqual(['detail.error: Invalid input: expected string, received number']);
    expect(problems(raw('run.completed', { recovery: { startedAt: at, elapsedMs: '1s', breached: false } }))).toEqual([
      'detail.recovery.elapsedMs: Invalid input: expected number, received string',
    ]);
  });

  it('reject a missing detail field, a missing detail and an unknown type', () => {
    expect(problems(raw('step.failed', { error: 'HTTP 500' }))).toEqual(['detail.final: Invalid input: expected boolean, received undefined']);
    expect(problems(raw('rollback.started', undefined))).toEqual(['detail: Invalid input: expected object, received undefined']);
    expect(problems(raw('step.exploded', {}))).toHaveLength(1);
    expect(problems(raw('step.exploded', {}))[0]).toMatch(/^type: /);
  });

  it('type an emitted detail with exactly the declared keys', () => {
    // @ts-expect-error a misspelt key does not compile
    const misspelt: TimelineDetail<'run.paused'> = { reasn: 'vendor' };
    // @ts-expect-error a missing required key does not compile
    const missing: TimelineDetail<'step.failed'> = { error: 'HTTP 500' };
    // @ts-expect-error a key of the wrong type does not compile
    const wrong: TimelineDetail<'step.retrying'> = { afterMs: '2s', error: 'HTTP 500' };
    expect(problems(raw('step.failed', missing))).toHaveLength(1);
    expect(problems(raw('step.retrying', wrong))).toHaveLength(1);
    expect(problems(raw('run.paused', misspelt))).toEqual([]); // lenient on read: an unknown key is kept
  });
});
