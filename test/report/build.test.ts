import { buildReport, type ReportInput } from '../../report/build';
import { escapeHtml, renderReportHtml } from '../../report/html';
import { RunReport } from '../../report/types';
import { validateRunbookObject } from '../../model/validate';
import type { RunRecord } from '../../contract/run';
import { chainEvents, GENESIS_HASH, verifyChain } from '../../timeline/chain';
import type { TimelineEvent } from '../../timeline/event';

const loaded = validateRunbookObject({
  id: 'unit',
  title: 'Unit <drill>',
  objectives: { rto: '1m' },
  steps: [
    { id: 'a', action: 'wait', with: { duration: '1s' }, expected: '2s' },
    { id: 'b', action: 'http', with: { url: 'http://x.invalid/' }, needs: ['a'], retry: { attempts: 2 } },
    { id: 'c', action: 'wait', with: { duration: '1s' }, needs: ['b'] },
  ],
});
if (!loaded.ok) throw new Error('fixture runbook is invalid');
const runbook = loaded.runbook;

const record: RunRecord = {
  runId: 'r1',
  runbookId: 'unit',
  version: 3,
  hash: 'abc',
  mode: 'recovery',
  status: 'failed',
  requester: 'alice',
  trigger: { kind: 'cli', by: 'alice' },
  parameters: { region: 'eu', SECRET_KEY: 'xyz', accessToken: 't' },
  startedAt: '2026-11-24T10:00:00.000Z',
  finishedAt: '2026-11-24T10:00:20.000Z',
  error: 'step b failed: 500',
  recovery: { targetMs: 60_000 },
};

const at = (s: number) => new Date(Date.parse('2026-11-24T10:00:00.000Z') + s * 1000).toISOString();
type Unsequenced<E> = E extends unknown ? Omit<E, 'seq'> : never;
const raw: Array<Unsequenced<TimelineEvent>> = [
  { at: at(0), type: 'run.started', actor: 'alice', detail: { runbook: 'unit', version: 3, hash: 'abc', mode: 'recovery', trigger: { kind: 'cli', by: 'alice' }, parameters: {} } },
  { at: at(0), type: 'step.started', actor: 'lifeboat', stepId: 'a', attempt: 1, detail: { action: 'wait' } },
  { at: at(1), type: 'step.succeeded', actor: 'lifeboat', stepId: 'a', attempt: 1, detail: { durationMs: 1000, outputs: {} } },
  { at: at(1), type: 'step.started', actor: 'lifeboat', stepId: 'b', attempt: 1, detail: { action: 'http' } },
  { at: at(2), type: 'step.failed', actor: 'lifeboat', stepId: 'b', attempt: 1, detail: { error: 'HTTP 500', final: false } },
  { at: at(2), type: 'step.retrying', actor: 'lifeboat', stepId: 'b', attempt: 2, detail: { afterMs: 1000, error: 'HTTP 500' } },
  { at: at(3), type: 'step.started', actor: 'lifeboat', stepId: 'b', attempt: 2, detail: { action: 'http' } },
  { at: at(5), type: 'step.failed', actor: 'lifeboat', stepId: 'b', attempt: 2, detail: { error: 'HTTP 500', final: true } },
  { at: at(6), type: 'notification.failed', actor: 'lifeboat', detail: { event: 'run.failed', channel: 'webhook', target: 'ops', error: 'connection refused' } },
  { at: at(6), type: 'run.failed', actor: 'lifeboat', detail: { error: 'step b failed: 500', recovery: { startedAt: at(0), targetMs: 60_000, elapsedMs: 6000, breached: false } } },
];
const events = chainEvents(
  'r1',
  raw.map((e, i) => ({ ...e, seq: i + 1 })),
  GENESIS_HASH,
);

const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  record,
  runbook,
  events,
  verification: verifyChain('r1', events),
  trend: [record],
  now: '2026-11-24T11:00:00.000Z',
  ...over,
});

describe('buildReport', () => {
  it('rebuilds the steps from the timeline once the workflow state is gone', () => {
    const report = RunReport.parse(buildReport(input()));
    expect(report.steps).toEqual([
      { id: 'a', action: 'wait', status: 'succeeded', expectedMs: 2000, expectedBasis: 'expected', actualMs: 1000, attempts: 1 },
      { id: 'b', action: 'http', status: 'failed', expectedMs: 10_000, expectedBasis: 'default', actualMs: 4000, attempts: 2, error: 'HTTP 500' },
      { id: 'c', action: 'wait', status: 'not-run', expectedMs: 1000, expectedBasis: 'default', attempts: 0 },
    ]);
  });

  it('redacts every parameter whose name looks secret', () => {
    expect(buildReport(input()).parameters).toEqual([
      { name: 'region', value: 'eu', redacted: false },
      { name: 'SECRET_KEY', redacted: true },
      { name: 'accessToken', redacted: true },
    ]);
  });

  it('collects failures and failed notifications and judges the RTO not achieved', () => {
    const report = buildReport(input());
    expect(report.failures.map((f) => [f.type, f.stepId, f.attempt, f.error])).toEqual([
      ['step.failed', 'b', 1, 'HTTP 500'],
      ['step.failed', 'b', 2, 'HTTP 500'],
      ['run.failed', undefined, undefined, 'step b failed: 500'],
    ]);
    expect(report.notifications).toEqual([{ at: at(6), event: 'run.failed', channel: 'webhook', target: 'ops', sent: false, delivery: 'failed', error: 'connection refused' }]);
    expect(report.recovery).toEqual({ targetMs: 60_000, achievedMs: undefined, breached: false });
  });

  it('takes the RTO from the runbook when the record has none', () => {
    expect(buildReport(input({ record: { ...record, recovery: undefined } })).recovery.targetMs).toBe(60_000);
  });
});

describe('renderReportHtml', () => {
  it('escapes every value', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderReportHtml(buildReport(input()));
    expect(html).toContain('Recovery report: Unit &lt;drill&gt;');
    expect(html).not.toContain('<drill>');
  });

  it('says so when the chain does not verify', () => {
    const tampered = events.map((e) => (e.seq === 3 && e.type === 'step.succeeded' ? { ...e, detail: { ...e.detail, durationMs: 1 } } : e));
    const html = renderReportHtml(buildReport(input({ events: tampered, verification: verifyChain('r1', tampered) })));
    expect(html).toContain('chain broken');
    expect(html).toContain('event 3 (step.succeeded) was edited after it was recorded');
  });

  it('shows a run without an achieved recovery as not achieved', () => {
    expect(renderReportHtml(buildReport(input()))).toContain('not achieved');
  });
});
