import { eventLine, waitingLines } from '../../cli/events';
import { SseParser } from '../../cli/sse';
import type { RunState } from '../../contract/run';

describe('SseParser', () => {
  it('parses messages with ids, event names and multi-line data, dropping comments', () => {
    const p = new SseParser();
    expect(p.push('retry: 2000\n\n: heartbeat\n\nid: 1\ndata: {"a":1}\n\nevent: end\ndata: one\ndata: two\n\n')).toEqual([
      { event: 'message', data: '{"a":1}', id: '1' },
      { event: 'end', data: 'one\ntwo', id: '1' },
    ]);
  });

  it('completes messages across chunks cut anywhere, including inside CRLF', () => {
    const text = 'id: 7\r\ndata: x\r\n\r\nid: 8\rdata: y\r\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      expect([...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))]).toEqual([
        { event: 'message', data: 'x', id: '7' },
        { event: 'message', data: 'y', id: '8' },
      ]);
    }
  });

  it('ignores a message without data and a field without a colon', () => {
    expect(new SseParser().push('event: nothing\n\ndata\n\n')).toEqual([{ event: 'message', data: '' }]);
  });
});

describe('terminal lines', () => {
  it('formats an event with its time, seq and meaning', () => {
    expect(eventLine({ seq: 4, at: '2026-11-24T10:15:02.123Z', type: 'approval.granted', actor: 'bob', stepId: 'go', detail: { comment: 'lag is 0', granted: 1 } })).toBe(
      '10:15:02  #4  ✔ bob approved go: lag is 0',
    );
    expect(eventLine({ seq: 9, at: '2026-11-24T10:15:03.000Z', type: 'rollback.started', actor: 'lifeboat', detail: { reason: 'drill cleanup', steps: [] } })).toBe(
      '10:15:03  #9  rollback.started',
    );
  });

  it('says what the run waits for and the command that answers it', () => {
    const state: RunState = {
      runId: 'r1',
      runbookId: 'rb',
      version: 1,
      hash: 'h',
      mode: 'drill',
      status: 'running',
      startedAt: '',
      steps: [],
      waitingFor: [{ stepId: 'go', kind: 'approval', from: ['dba'], message: 'approval of go: 0 of 1 from dba', since: '' }],
      recovery: { startedAt: '', elapsedMs: 0, breached: false },
    };
    expect(waitingLines(state)).toEqual(['waiting for dba: approval of go: 0 of 1 from dba — lifeboat approve r1 go']);
  });
});
