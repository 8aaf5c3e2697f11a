import { loadRunbook } from '../../model/load';
import { WAIT, withSteps, yaml } from './fixtures';

type Case = { name: string; src: string; path: string; line?: number; message: string };

// Each runbook is wrong in exactly one way; the validator must name the place and say what to do.
const cases: Case[] = [
  // top level
  { name: 'a missing id', src: `title: T\nsteps:\n${WAIT}`, path: 'id', line: 1, message: 'is required (a string)' },
  { name: 'an id that is not kebab-case', src: `id: Orders_DB\ntitle: T\nsteps:\n${WAIT}`, path: 'id', line: 1, message: 'expected a kebab-case id such as orders-db-failover' },
  { name: 'a missing title', src: `id: t\nsteps:\n${WAIT}`, path: 'title', message: 'is required (a string)' },
  { name: 'a misspelt top-level key', src: `id: t\ntitle: T\nstepz: []\nsteps:\n${WAIT}`, path: 'stepz', line: 3, message: "unknown key 'stepz' (did you mean 'steps'?)" },
  {
    name: 'an unknown top-level key with no close match',
    src: `id: t\ntitle: T\ncolour: red\nsteps:\n${WAIT}`,
    path: 'colour',
    line: 3,
    message: "unknown key 'colour' (allowed here: id, title,",
  },
  { name: 'no steps', src: 'id: t\ntitle: T\nsteps: []\n', path: 'steps', line: 3, message: 'expected at least 1 item' },
  { name: 'steps that are a mapping', src: 'id: t\ntitle: T\nsteps: {}\n', path: 'steps', line: 3, message: 'expected a list, got a mapping' },
  {
    name: 'an RTO that is not a duration',
    src: `id: t\ntitle: T\nobjectives:\n  rto: soon\nsteps:\n${WAIT}`,
    path: 'objectives.rto',
    line: 4,
    message: "'soon' is not a duration",
  },
  {
    name: 'a misspelt recovery.endsAt',
    src: withSteps(WAIT) + 'recovery:\n  endsAt: b\n',
    path: 'recovery.endsAt',
    line: 8,
    message: "unknown step 'b'; endsAt must name the step that completes recovery",
  },
  // steps: common fields
  {
    name: 'a step id starting with a digit',
    src: withSteps('  - id: 1st\n    action: wait\n    with: { duration: 1s }\n'),
    path: 'steps[0].id',
    line: 4,
    message: 'expected a step id: a letter, then letters, digits, - or _',
  },
  {
    name: 'a misspelt action',
    src: withSteps('  - id: a\n    action: htp\n    with: {}\n'),
    path: 'steps[0].action',
    line: 5,
    message: "unknown action string 'htp' (did you mean 'http'?); expected one of http, check, command, wait, approval, manual, notify, runbook",
  },
  { name: 'a missing action', src: withSteps('  - id: a\n    with: {}\n'), path: 'steps[0].action', line: 4, message: 'is required: set action to one of http, check' },
  { name: 'a missing with', src: withSteps('  - id: a\n    action: wait\n'), path: 'steps[0].with', line: 4, message: 'is required' },
  {
    name: 'a misspelt needs',
    src: withSteps(WAIT + '  - id: b\n    need: [a]\n    action: wait\n    with: { duration: 1s }\n'),
    path: 'steps[1].need',
    line: 8,
    message: "unknown key 'need' (did you mean 'needs'?)",
  },
  {
    name: 'an unknown onFailure',
    src: withSteps('  - id: a\n    action: wait\n    onFailure: retry\n    with: { duration: 1s }\n'),
    path: 'steps[0].onFailure',
    line: 6,
    message: 'expected one of abort, continue, rollback, ask',
  },
  {
    name: 'a misspelt drill behaviour',
    src: withSteps('  - id: a\n    action: wait\n    drill: simulated\n    with: { duration: 1s }\n'),
    path: 'steps[0].drill',
    line: 6,
    message: "got string 'simulated' (did you mean 'simulate'?)",
  },
  {
    name: 'a zero timeout',
    src: withSteps('  - id: a\n    action: wait\n    timeout: 0s\n    with: { duration: 1s }\n'),
    path: 'steps[0].timeout',
    line: 6,
    message: "duration '0s' is zero; use a positive duration",
  },
  {
    name: 'an expected duration over 30 days',
    src: withSteps('  - id: a\n    action: wait\n    expected: 31d\n    with: { duration: 1s }\n'),
    path: 'steps[0].expected',
    line: 6,
    message: 'longer than 30 days',
  },
  {
    name: 'zero retry attempts',
    src: withSteps('  - id: a\n    action: wait\n    retry: { attempts: 0 }\n    with: { duration: 1s }\n'),
    path: 'steps[0].retry.attempts',
    line: 6,
    message: 'expected a whole number from 1 to 100',
  },
  {
    name: 'a retry factor below 1',
    src: withSteps('  - id: a\n    action: wait\n    retry: { attempts: 2, factor: 0.5 }\n    with: { duration: 1s }\n'),
    path: 'steps[0].retry.factor',
    line: 6,
    message: 'expected a number ≥ 1',
  },
  // actions
  {
    name: 'an http URL that is not http(s)',
    src: withSteps('  - id: a\n    action: http\n    with: { url: "ftp://files.example.com" }\n'),
    path: 'steps[0].with.url',
    line: 6,
    message: 'expected an http:// or https:// URL',
  },
  {
    name: 'http with both json and body',
    src: withSteps('  - id: a\n    action: http\n    with:\n      url: http://localhost\n      json: {}\n      body: x\n'),
    path: 'steps[0].with.body',
    line: 9,
    message: 'set json or body, not both',
  },
  {
    name: 'an unknown http method',
    src: withSteps('  - id: a\n    action: http\n    with: { url: http://localhost, method: FETCH }\n'),
    path: 'steps[0].with.method',
    line: 6,
    message: 'expected one of GET, POST, PUT, PATCH, DELETE, HEAD',
  },
  {
    name: 'an impossible expected status',
    src: withSteps('  - id: a\n    action: http\n    with: { url: http://localhost, expect: 99 }\n'),
    path: 'steps[0].with.expect',
    line: 6,
    message: 'expected a whole number from 100 to 599',
  },
  {
    name: 'a check without until',
    src: withSteps('  - id: a\n    action: check\n    with: { url: http://localhost }\n'),
    path: 'steps[0].with.until',
    line: 6,
    message: 'is required',
  },
  {
    name: 'a check with an unknown operator',
    src: withSteps('  - id: a\n    action: check\n    with: { url: http://localhost, until: { op: equals, value: 1 } }\n'),
    path: 'steps[0].with.until.op',
    line: 6,
    message: 'expected one of eq, ne, lt, lte, gt, gte, in',
  },
  {
    name: 'a check until without op',
    src: withSteps('  - id: a\n    action: check\n    with: { url: http://localhost, until: { value: 200 } }\n'),
    path: 'steps[0].with.until.op',
    line: 6,
    message: 'is required (one of eq, ne, lt, lte, gt, gte, in)',
  },
  {
    name: "a check 'in' without a list",
    src: withSteps('  - id: a\n    action: check\n    with: { url: http://localhost, until: { op: in, value: 5 } }\n'),
    path: 'steps[0].with.until.value',
    line: 6,
    message: "op 'in' needs a list",
  },
  {
    name: 'a check every of zero',
    src: withSteps('  - id: a\n    action: check\n    with: { url: http://localhost, every: 0ms, until: { op: eq, value: 200 } }\n'),
    path: 'steps[0].with.every',
    line: 6,
    message: 'is zero',
  },
  { name: 'an empty argv', src: withSteps('  - id: a\n    action: command\n    with: { argv: [] }\n'), path: 'steps[0].with.argv', line: 6, message: 'expected at least 1 item' },
  {
    name: 'a number in argv',
    src: withSteps('  - id: a\n    action: command\n    with:\n      argv:\n        - echo\n        - 5\n'),
    path: 'steps[0].with.argv[1]',
    line: 9,
    message: 'expected a string, got number 5',
  },
  {
    name: 'a wait of zero',
    src: withSteps('  - id: a\n    action: wait\n    with: { duration: 0s }\n'),
    path: 'steps[0].with.duration',
    line: 6,
    message: "duration '0s' is zero",
  },
  {
    name: 'a wait in words',
    src: withSteps('  - id: a\n    action: wait\n    with: { duration: 5 minutes }\n'),
    path: 'steps[0].with.duration',
    line: 6,
    message: "'5 minutes' is not a duration; write a number and unit such as 30s",
  },
  {
    name: 'an approval without approvers',
    src: withSteps('  - id: a\n    action: approval\n    with: { approvers: [] }\n'),
    path: 'steps[0].with.approvers',
    line: 6,
    message: 'expected at least 1 item',
  },
  {
    name: 'a zero quorum (the fourth step)',
    src: withSteps(
      `${WAIT}  - id: b\n    action: wait\n    with: { duration: 1s }\n  - id: c\n    action: wait\n    with: { duration: 1s }\n  - id: d\n    action: approval\n    with:\n      approvers: [dba]\n      quorum: 0\n`,
    ),
    path: 'steps[3].with.quorum',
    line: 17,
    message: 'expected a whole number ≥ 1',
  },
  {
    name: 'a fractional quorum',
    src: withSteps('  - id: a\n    action: approval\n    with: { approvers: [dba], quorum: 1.5 }\n'),
    path: 'steps[0].with.quorum',
    line: 6,
    message: 'expected a whole number ≥ 1',
  },
  {
    name: 'an absurd quorum',
    src: withSteps('  - id: a\n    action: approval\n    with: { approvers: [dba], quorum: 21 }\n'),
    path: 'steps[0].with.quorum',
    line: 6,
    message: 'a quorum above 20 is not accepted',
  },
  {
    name: 'an escalation to a non-address',
    src: withSteps('  - id: a\n    action: approval\n    with: { approvers: [dba], escalate: { after: 5m, notify: [dba-lead] } }\n'),
    path: 'steps[0].with.escalate.notify[0]',
    line: 6,
    message: 'expected an email address',
  },
  {
    name: 'undo on an approval',
    src: withSteps('  - id: a\n    action: approval\n    with: { approvers: [dba] }\n    undo: { action: http, with: { url: http://localhost } }\n'),
    path: 'steps[0].undo',
    line: 7,
    message: 'approval steps cannot have undo: there is nothing to roll back; remove undo',
  },
  {
    name: 'undo on a manual task',
    src: withSteps('  - id: a\n    action: manual\n    with: { instructions: Do it }\n    undo: { action: http, with: { url: http://localhost } }\n'),
    path: 'steps[0].undo',
    line: 7,
    message: 'manual steps cannot have undo',
  },
  {
    name: 'undo on a wait',
    src: withSteps('  - id: a\n    action: wait\n    with: { duration: 1s }\n    undo: { action: http, with: { url: http://localhost } }\n'),
    path: 'steps[0].undo',
    line: 7,
    message: 'wait steps cannot have undo',
  },
  {
    name: 'an undo that asks for approval',
    src: withSteps('  - id: a\n    action: http\n    with: { url: http://localhost }\n    undo: { action: approval, with: { approvers: [dba] } }\n'),
    path: 'steps[0].undo.action',
    line: 7,
    message: "unknown action string 'approval'; expected one of http, check, command, notify",
  },
  {
    name: 'an email notify without recipients',
    src: withSteps('  - id: a\n    action: notify\n    with: { channel: email, body: hi }\n'),
    path: 'steps[0].with.recipients',
    line: 6,
    message: 'is required (a list)',
  },
  {
    name: 'an unknown notify channel',
    src: withSteps('  - id: a\n    action: notify\n    with: { channel: sms, body: hi }\n'),
    path: 'steps[0].with.channel',
    line: 6,
    message: "unknown channel string 'sms'; expected one of email, webhook",
  },
  {
    name: 'a child runbook with a bad id',
    src: withSteps('  - id: a\n    action: runbook\n    with: { runbook: Child Runbook }\n'),
    path: 'steps[0].with.runbook',
    line: 6,
    message: 'expected a kebab-case id',
  },
  {
    name: 'an http output outside the result',
    src: withSteps('  - id: a\n    action: http\n    with: { url: http://localhost }\n    outputs: { lag: replica.lag }\n'),
    path: 'steps[0].outputs.lag',
    line: 7,
    message: 'expected a path into the http result starting with status, headers, body',
  },
  {
    name: 'outputs on a wait',
    src: withSteps('  - id: a\n    action: wait\n    with: { duration: 1s }\n    outputs: { x: status }\n'),
    path: 'steps[0].outputs.x',
    line: 7,
    message: 'wait steps have no result to read outputs from',
  },
  {
    name: 'a command env name with a dash',
    src: withSteps('  - id: a\n    action: command\n    with: { argv: [env], env: { MY-VAR: x } }\n'),
    path: 'steps[0].with.env.MY-VAR',
    line: 6,
    message: 'is not a valid key: expected a name',
  },
  // the step graph
  { name: 'a duplicate step id', src: withSteps(WAIT + WAIT), path: 'steps[1].id', line: 7, message: "duplicate step id 'a' (steps[0] already uses it)" },
  {
    name: 'needs naming an unknown step',
    src: withSteps('  - id: check\n    action: wait\n    with: { duration: 1s }\n  - id: b\n    needs: [chek]\n    action: wait\n    with: { duration: 1s }\n'),
    path: 'steps[1].needs[0]',
    line: 8,
    message: "unknown step 'chek' (did you mean 'check'?); needs must name steps of this runbook",
  },
  {
    name: 'a step needing itself',
    src: withSteps('  - id: a\n    needs: [a]\n    action: wait\n    with: { duration: 1s }\n'),
    path: 'steps[0].needs[0]',
    line: 5,
    message: "a step cannot need itself; remove 'a'",
  },
  {
    name: 'a needs cycle',
    src: withSteps(
      '  - { id: a, needs: [c], action: wait, with: { duration: 1s } }\n  - { id: b, needs: [a], action: wait, with: { duration: 1s } }\n  - { id: c, needs: [b], action: wait, with: { duration: 1s } }\n',
    ),
    path: 'steps[0].needs',
    line: 4,
    message: 'needs form a cycle: a → c → b → a (each step needs the next); remove one of these needs',
  },
  // references
  {
    name: 'an unknown parameter in a template',
    src: `id: t\ntitle: T\nparameters:\n  base: { type: string }\nsteps:\n  - id: a\n    action: http\n    with: { url: "{{ params.bse }}/x" }\n`,
    path: 'steps[0].with.url',
    line: 8,
    message: "unknown parameter 'bse' (did you mean 'base'?); declare it under parameters",
  },
  {
    name: 'a template naming an unknown step',
    src: withSteps('  - id: a\n    action: http\n    with: { url: "http://localhost/{{ steps.nope.outputs.x }}" }\n'),
    path: 'steps[0].with.url',
    line: 6,
    message: "steps.nope.outputs.x names unknown step 'nope'",
  },
  {
    name: 'a template reading an undeclared output',
    src: withSteps(
      '  - id: a\n    action: http\n    with: { url: http://localhost }\n    outputs: { host: body.host }\n  - id: b\n    needs: [a]\n    action: http\n    with: { url: "http://{{ steps.a.outputs.hots }}" }\n',
    ),
    path: 'steps[1].with.url',
    line: 11,
    message: "step 'a' does not declare output 'hots' (did you mean 'host'?)",
  },
  {
    name: 'a template reading a step that is not upstream',
    src: withSteps(
      '  - id: a\n    action: http\n    with: { url: http://localhost }\n    outputs: { host: body.host }\n  - id: b\n    action: http\n    with: { url: "http://{{ steps.a.outputs.host }}" }\n',
    ),
    path: 'steps[1].with.url',
    line: 10,
    message: "steps.a.outputs.host reads step 'a', which is not upstream of 'b'; add 'a' to needs",
  },
  {
    name: 'a step reading its own output',
    src: withSteps('  - id: a\n    action: http\n    with: { url: "http://{{ steps.a.outputs.host }}" }\n    outputs: { host: body.host }\n'),
    path: 'steps[0].with.url',
    line: 6,
    message: "step 'a' cannot read its own outputs (only its undo can)",
  },
  {
    name: 'a reference outside the language',
    src: withSteps('  - id: a\n    action: command\n    with: { argv: [echo, "{{ env.HOME }}"] }\n'),
    path: 'steps[0].with.argv[1]',
    line: 6,
    message: "unknown reference '{{ env.HOME }}'; use params.NAME",
  },
  {
    name: 'an unclosed template',
    src: withSteps('  - id: a\n    action: command\n    with: { argv: [echo, "{{ run.id"] }\n'),
    path: 'steps[0].with.argv[1]',
    line: 6,
    message: 'template does not parse: unclosed {{ at position 1',
  },
  {
    name: 'a reference in undo to a step that is not upstream',
    src: withSteps(WAIT + '  - id: b\n    action: http\n    with: { url: http://localhost }\n    undo: { action: http, with: { url: "http://x/{{ steps.a.status }}" } }\n'),
    path: 'steps[1].undo.with.url',
    line: 10,
    message: "reads step 'a', which is not upstream of 'b'",
  },
  {
    name: 'a when that does not parse',
    src: withSteps('  - id: a\n    action: wait\n    when: params.x = 1\n    with: { duration: 1s }\n'),
    path: 'steps[0].when',
    line: 6,
    message: "condition does not parse: unexpected '='; use == to compare at column 10",
  },
  {
    name: 'a when reading a secret',
    src: withSteps('  - id: a\n    action: wait\n    when: secrets.TOKEN == "x"\n    with: { duration: 1s }\n'),
    path: 'steps[0].when',
    line: 6,
    message: 'conditions cannot read secrets (secrets.TOKEN)',
  },
  {
    name: "a secret in a notify step's message",
    src: withSteps('  - id: a\n    action: notify\n    with: { channel: email, recipients: [x@example.com], body: "token {{ secrets.TOKEN }}" }\n'),
    path: 'steps[0].with.body',
    line: 6,
    message: '{{ secrets.TOKEN }} is not allowed here: a notify step never sends a secret in its message',
  },
  {
    name: 'a secret where its action never puts one in',
    src: withSteps('  - id: a\n    action: check\n    with: { url: "https://x.example/health", until: { op: eq, value: "{{ secrets.TOKEN }}" } }\n'),
    path: 'steps[0].with.until.value',
    line: 6,
    message: '{{ secrets.TOKEN }} is not allowed here: a check step takes secrets only in with.url, with.headers',
  },
  {
    name: "a secret in a notification rule's recipients",
    src:
      withSteps('  - id: a\n    action: wait\n    with: { duration: 1s }\n') +
      'notifications:\n  - { channel: email, recipients: ["{{ secrets.TOKEN }}"], events: [run.failed] }\n',
    path: 'notifications[0].recipients[0]',
    line: 8,
    message: "a notification rule may use a secret only as a webhook's url or a PagerDuty routingKey",
  },
  {
    name: 'a command step setting PATH',
    src: withSteps('  - id: a\n    action: command\n    with: { argv: [kubectl], env: { PATH: /tmp/x } }\n'),
    path: 'steps[0].with.env.PATH',
    line: 6,
    message: 'a command step may not set PATH: it changes which code the program loads',
  },
  {
    name: 'a command step setting LD_PRELOAD',
    src: withSteps('  - id: a\n    action: command\n    with: { argv: [kubectl], env: { LD_PRELOAD: /tmp/evil.so } }\n'),
    path: 'steps[0].with.env.LD_PRELOAD',
    line: 6,
    message: 'a command step may not set LD_PRELOAD',
  },
  {
    name: 'a when reading an unknown parameter',
    src: withSteps('  - id: a\n    action: wait\n    when: params.region == "eu"\n    with: { duration: 1s }\n'),
    path: 'steps[0].when',
    line: 6,
    message: "unknown parameter 'region'",
  },
  // parameters and notifications
  {
    name: 'an enum default outside its values',
    src: `id: t\ntitle: T\nparameters:\n  region:\n    type: enum\n    values: [eu, us]\n    default: apac\nsteps:\n${WAIT}`,
    path: 'parameters.region.default',
    line: 7,
    message: 'default must be one of values',
  },
  {
    name: 'an unknown parameter type',
    src: `id: t\ntitle: T\nparameters:\n  n: { type: int }\nsteps:\n${WAIT}`,
    path: 'parameters.n.type',
    line: 4,
    message: "unknown type string 'int'; expected one of string, number, boolean, enum",
  },
  {
    name: 'a number parameter with a string default',
    src: `id: t\ntitle: T\nparameters:\n  n: { type: number, default: "five" }\nsteps:\n${WAIT}`,
    path: 'parameters.n.default',
    line: 4,
    message: "expected a number, got string 'five'",
  },
  {
    name: 'a parameter name that is not a name',
    src: `id: t\ntitle: T\nparameters:\n  my param: { type: string }\nsteps:\n${WAIT}`,
    path: 'parameters["my param"]',
    line: 4,
    message: 'is not a valid key: expected a name',
  },
  {
    name: 'a webhook rule with a non-http URL',
    src: `id: t\ntitle: T\nnotifications:\n  - { channel: webhook, url: "mailto:x@example.com", events: [run.failed] }\nsteps:\n${WAIT}`,
    path: 'notifications[0].url',
    line: 4,
    message: 'expected an http:// or https:// URL',
  },
  {
    name: 'a notification rule URL built from a parameter',
    src: `id: t\ntitle: T\nnotifications:\n  - { channel: webhook, url: "{{ params.hook }}", events: [run.failed] }\nsteps:\n${WAIT}`,
    path: 'notifications[0].url',
    line: 4,
    message: "'{{ params.hook }}' is not allowed here: a notification rule's url can only use {{ secrets.NAME }}",
  },
  {
    name: 'a misspelt notification event',
    src: `id: t\ntitle: T\nnotifications:\n  - channel: email\n    recipients: [a@example.com]\n    events: [run.start]\nsteps:\n${WAIT}`,
    path: 'notifications[0].events[0]',
    line: 6,
    message: "(did you mean 'run.started'?)",
  },
];

describe('loadRunbook rejects', () => {
  // One mistake gives one issue: a cascade of follow-on errors would bury the one that matters.
  it.each(cases)('$name, as its only issue', ({ src, path, line, message }) => {
    const result = loadRunbook(src);
    if (result.ok) throw new Error('expected the runbook to be rejected');
    expect(result.errors.map((e) => e.path)).toEqual([path]);
    const [issue] = result.errors;
    expect(issue?.message).toContain(message);
    if (line !== undefined) expect(issue?.line).toBe(line);
  });
});

describe('loadRunbook reports every problem at once', () => {
  it('lists schema, graph and reference errors together, in source order', () => {
    const src = yaml`
      id: Bad
      title: T
      steps:
        - id: a
          action: approval
          with: { approvers: [dba], quorum: 0 }
        - id: b
          needs: [zz]
          action: http
          with: { url: "{{ params.nope }}" }
    `;
    const result = loadRunbook(src);
    if (result.ok) throw new Error('expected errors');
    expect(result.errors.map((e) => `${e.line} ${e.path}`)).toEqual(['1 id', '6 steps[0].with.quorum', '8 steps[1].needs[0]', '10 steps[1].with.url']);
  });

  it('lets an undo read its own step outputs', () => {
    const src = withSteps(
      '  - id: a\n    action: http\n    with: { url: http://localhost }\n    outputs: { id: body.id }\n    undo: { action: http, with: { method: DELETE, url: "http://localhost/{{ steps.a.outputs.id }}" } }\n',
    );
    expect(loadRunbook(src).ok).toBe(true);
  });

  it('rejects more than 5,000 steps before validating each one', () => {
    const steps = Array.from({ length: 5001 }, (_, i) => `  - { id: s${i}, action: wait, with: { duration: 1s } }`).join('\n');
    const result = loadRunbook(withSteps(`${steps}\n`));
    expect(result).toEqual({ ok: false, errors: [{ path: 'steps', line: 3, message: 'has 5001 steps, more than the limit of 5000; split it into child runbooks' }] });
  });
});
