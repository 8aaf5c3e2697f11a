import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../model/hash';
import { RunbookIssue } from '../../model/issue';
import { runbookJsonSchema } from '../../model/json-schema';
import { loadRunbook } from '../../model/load';
import { withSteps, yaml } from './fixtures';

describe('runbookJsonSchema', () => {
  it('matches the committed schema/runbook.schema.json (regenerate with `lifeboat schema > schema/runbook.schema.json`)', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(__dirname, '../../schema/runbook.schema.json'), 'utf8'));
    expect(committed).toEqual(runbookJsonSchema());
  });

  it('describes the input: defaults are optional and unknown keys are refused', () => {
    const schema = runbookJsonSchema();
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', required: ['id', 'title', 'steps'], additionalProperties: false });
    expect(JSON.stringify(schema)).toContain('"RunbookDuration":{"type":"string","pattern"');
  });

  it('names the shared definitions', () => {
    expect(Object.keys(Reflect.get(runbookJsonSchema(), '$defs') ?? {})).toEqual(
      expect.arrayContaining(['RunbookStep', 'RunbookDuration', 'RunbookHttpWith', 'RunbookApprovalWith', 'RunbookUndo', 'RunbookParameter']),
    );
  });
});

describe('the runbook hash', () => {
  const src = withSteps('  - id: a\n    action: approval\n    with: { approvers: [dba] }\n');

  function hashOf(text: string): string {
    const result = loadRunbook(text);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.hash;
  }

  it('ignores formatting, comments, key order and spelled-out defaults', () => {
    const reformatted = yaml`
      # same runbook, different text
      steps:
        - with:
            quorum: 1
            approvers:
              - dba
          action: approval
          id: a
          onFailure: abort
      title: "T"
      id: t
    `;
    expect(hashOf(reformatted)).toBe(hashOf(src));
  });

  it('changes when the meaning changes', () => {
    expect(hashOf(src.replace('[dba]', '[dba, sre]'))).not.toBe(hashOf(src));
  });

  it('is the sha256 of canonical JSON with sorted keys', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], u: undefined })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
  });
});

describe('RunbookIssue', () => {
  it('is the shape of every error', () => {
    const result = loadRunbook('id: t\n');
    expect(result.ok).toBe(false);
    if (!result.ok) for (const issue of result.errors) expect(RunbookIssue.parse(issue)).toEqual(issue);
  });
});
