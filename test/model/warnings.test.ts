import { loadRunbook } from '../../model/load';
import { withSteps } from './fixtures';

function warningsOf(src: string) {
  const result = loadRunbook(src);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.warnings;
}

describe('loadRunbook warns, without rejecting,', () => {
  it('when a required parameter has a default', () => {
    expect(warningsOf('id: t\ntitle: T\nparameters:\n  x: { type: string, required: true, default: a }\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n')).toEqual([
      { path: 'parameters.x.required', line: 4, message: 'has no effect: the parameter has a default; drop required or the default' },
    ]);
  });

  it('when an RTO has no recovery.endsAt', () => {
    expect(warningsOf('id: t\ntitle: T\nobjectives: { rto: 1h }\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n')[0]?.path).toBe('objectives.rto');
  });

  it('when expected exceeds the timeout', () => {
    expect(warningsOf(withSteps('  - { id: a, action: wait, timeout: 1m, expected: 2m, with: { duration: 1s } }\n'))).toEqual([
      { path: 'steps[0].expected', line: 4, message: 'is longer than the timeout (1m); the step would usually time out' },
    ]);
  });

  it('when needs repeats a step', () => {
    const src = withSteps('  - { id: a, action: wait, with: { duration: 1s } }\n  - { id: b, needs: [a, a], action: wait, with: { duration: 1s } }\n');
    expect(warningsOf(src)).toEqual([{ path: 'steps[1].needs', line: 5, message: 'lists the same step more than once' }]);
  });

  it('when a rollback has nothing to undo', () => {
    expect(warningsOf(withSteps('  - { id: a, action: http, onFailure: rollback, with: { url: http://localhost } }\n'))[0]?.message).toBe(
      'rollback has nothing to undo: neither this step nor any step before it has undo',
    );
  });

  it('when maxBackoff is shorter than backoff', () => {
    expect(warningsOf(withSteps('  - { id: a, action: wait, retry: { attempts: 3, backoff: 1m, maxBackoff: 10s }, with: { duration: 1s } }\n'))[0]?.path).toBe(
      'steps[0].retry.maxBackoff',
    );
  });

  it('when escalation comes after the approval window', () => {
    const src = withSteps('  - { id: a, action: approval, timeout: 10m, with: { approvers: [dba], escalate: { after: 10m, notify: [x@example.com] } } }\n');
    expect(warningsOf(src)[0]).toMatchObject({ path: 'steps[0].with.escalate.after', message: expect.stringContaining('escalation never happens') });
  });

  it('when an approval lists a role twice', () => {
    expect(warningsOf(withSteps('  - { id: a, action: approval, with: { approvers: [dba, dba] } }\n'))[0]?.message).toBe(
      'lists dba more than once; listing a role again has no effect',
    );
  });
});

describe('notification rules', () => {
  it('may take a webhook URL from a secret', () => {
    const rule = 'notifications:\n  - { channel: webhook, url: "{{ secrets.CHAT_HOOK }}", events: [run.failed], format: chat }\n';
    expect(warningsOf(withSteps('  - { id: a, action: wait, with: { duration: 1s } }\n') + rule)).toEqual([]);
  });
});
