import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../model/hash';
import { RunbookIssue } from '../../model/issue';
import { DEFAULT_SCHEMA_URL, runbookJsonSchema } from '../../model/json-schema';
import { readdirSync } from 'node:fs';
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

  it('describes every property, for editors: directly or through the definition it refers to', () => {
    const schema = runbookJsonSchema();
    const defs = new Map<string, unknown>(Object.entries(Reflect.get(schema, '$defs') ?? {}));
    const described = (s: unknown): boolean => {
      if (typeof s !== 'object' || s === null) return false;
      if (typeof Reflect.get(s, 'description') === 'string') return true;
      const ref: unknown = Reflect.get(s, '$ref');
      return typeof ref === 'string' && described(defs.get(ref.replace('#/$defs/', '')));
    };
    const undescribed: string[] = [];
    let properties = 0;
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const props: unknown = Reflect.get(node, 'properties');
      if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
        for (const [name, s] of Object.entries(props)) {
          properties++;
          if (!described(s)) undescribed.push(`${where}.${name}`);
        }
      }
      for (const [key, child] of Object.entries(node)) visit(child, Array.isArray(node) ? `${where}[${key}]` : `${where}/${key}`);
    };
    visit(schema, '#');
    expect(properties).toBeGreaterThan(150);
    expect(undescribed).toEqual([]);
  });

  it('has an $id where it can be fetched: the embedded default API unless told another', () => {
    expect(runbookJsonSchema()).toMatchObject({ $id: DEFAULT_SCHEMA_URL, title: 'Lifeboat runbook' });
    expect(DEFAULT_SCHEMA_URL).toBe('http://127.0.0.1:3000/schema/runbook.json');
    expect(runbookJsonSchema('https://dr.example.com/schema/runbook.json').$id).toBe('https://dr.example.com/schema/runbook.json');
  });

  it('is named by the first line of every example runbook', () => {
    const dir = path.join(__dirname, '../../runbooks');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect([f, readFileSync(path.join(dir, f), 'utf8').split('\n')[0]]).toEqual([f, `# yaml-language-server: $schema=${DEFAULT_SCHEMA_URL}`]);
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
