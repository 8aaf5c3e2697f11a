import { prometheusText } from '../../api/prometheus';
import { stepTimes } from '../../runs/metrics';
import type { StoredTimelineEvent } from '../../timeline/event';
import { exampleStored } from '../timeline/examples';

describe('prometheusText', () => {
  it('writes HELP and TYPE lines and escapes label values', () => {
    const text = prometheusText([
      {
        name: 'm',
        help: 'a\\b\nc',
        type: 'gauge',
        samples: [
          { labels: { runbook: 'x"y\\z\nw' }, value: 2 },
          { labels: {}, value: Infinity },
        ],
      },
    ]);
    expect(text).toBe('# HELP m a\\\\b\\nc\n# TYPE m gauge\nm{runbook="x\\"y\\\\z\\nw"} 2\nm +Inf\n');
  });

  it('writes cumulative histogram buckets, sum and count', () => {
    const text = prometheusText([{ name: 'h', help: 'h', type: 'histogram', samples: [], buckets: [1, 5], observations: [{ labels: { step: 'a' }, values: [0.5, 2, 9] }] }]);
    expect(text.split('\n').slice(2, -1)).toEqual([
      'h_bucket{step="a",le="1"} 1',
      'h_bucket{step="a",le="5"} 2',
      'h_bucket{step="a",le="+Inf"} 3',
      'h_sum{step="a"} 11.5',
      'h_count{step="a"} 3',
    ]);
  });
});

describe('stepTimes', () => {
  const event = (seq: number, type: StoredTimelineEvent['type'], at: string, stepId?: string): StoredTimelineEvent =>
    exampleStored(type, seq, { at: `2030-01-01T00:00:${at}.000Z`, stepId });

  it('times each attempt from its start to the event that ended it', () => {
    const events = [
      event(1, 'run.started', '00'),
      event(2, 'step.started', '01', 'a'),
      event(3, 'step.failed', '03', 'a'),
      event(4, 'step.started', '04', 'a'),
      event(5, 'step.started', '04', 'b'),
      event(6, 'step.succeeded', '10', 'a'),
      event(7, 'step.timed-out', '34', 'b'),
    ];
    expect(stepTimes(events)).toEqual([
      { step: 'a', outcome: 'failed', seconds: 2 },
      { step: 'a', outcome: 'succeeded', seconds: 6 },
      { step: 'b', outcome: 'failed', seconds: 30 },
    ]);
  });
});
