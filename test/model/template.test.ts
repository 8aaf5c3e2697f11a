import { renderDeep, renderSealed, renderTemplate, templateRefs } from '../../model/template';

const ctx = {
  params: { region: 'eu-west', replicas: 3, dryRun: false },
  steps: { promote: { status: 'succeeded', outputs: { host: 'db-2', lag: 0.5, tags: ['a', 'b'] } } },
  run: { id: 'run-42', mode: 'drill', requester: 'ana' },
  secrets: { TOKEN: 's3cr3t' },
};

describe('templateRefs', () => {
  it('lists every reference in order', () => {
    const refs = templateRefs('{{ params.region }}/{{steps.promote.outputs.host}} {{ run.id }} {{ secrets.TOKEN }}');
    expect(refs.map((r) => r.ref)).toEqual([
      { kind: 'param', name: 'region' },
      { kind: 'output', step: 'promote', name: 'host' },
      { kind: 'run', field: 'id' },
      { kind: 'secret', name: 'TOKEN' },
    ]);
  });

  it('reports an unrecognised reference with ref undefined', () => {
    expect(templateRefs('{{ foo.bar }}')).toEqual([{ source: 'foo.bar', ref: undefined }]);
  });

  it('ignores quoted literals and plain text', () => {
    expect(templateRefs("no refs {{ '{{' }} here")).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('interpolates references into text', () => {
    expect(renderTemplate('{{ run.mode }} run {{ run.id }} in {{ params.region }}', ctx)).toBe('drill run run-42 in eu-west');
  });

  it('keeps the type of a value when the string is exactly one reference', () => {
    expect(renderTemplate('{{ params.replicas }}', ctx)).toBe(3);
    expect(renderTemplate('{{ params.dryRun }}', ctx)).toBe(false);
    expect(renderTemplate('{{ steps.promote.outputs.tags }}', ctx)).toEqual(['a', 'b']);
  });

  it('writes non-string values as JSON inside text', () => {
    expect(renderTemplate('lag={{ steps.promote.outputs.lag }} tags={{ steps.promote.outputs.tags }}', ctx)).toBe('lag=0.5 tags=["a","b"]');
  });

  it('reads step status', () => {
    expect(renderTemplate('{{ steps.promote.status }}', ctx)).toBe('succeeded');
  });

  it('throws an error naming an unknown parameter', () => {
    expect(() => renderTemplate('{{ params.zone }}', ctx)).toThrow('unknown reference params.zone');
  });

  it('throws an error naming a step that has not run', () => {
    expect(() => renderTemplate('{{ steps.verify.outputs.ok }}', ctx)).toThrow(/steps\.verify\.outputs\.ok: step verify has not run/);
  });

  it('throws on a reference outside the language', () => {
    expect(() => renderTemplate('{{ env.HOME }}', ctx)).toThrow("unknown reference 'env.HOME'");
  });

  it('throws on an unclosed tag', () => {
    expect(() => renderTemplate('hello {{ params.region', ctx)).toThrow(/unclosed \{\{/);
  });

  it('never reads inherited properties', () => {
    expect(() => renderTemplate('{{ params.constructor }}', ctx)).toThrow('unknown reference params.constructor');
  });

  it('renders a quoted literal as its text', () => {
    expect(renderTemplate("{{ '{{' }} not a tag }}", ctx)).toBe('{{ not a tag }}');
  });

  it('resolves secrets given in its context', () => {
    expect(renderTemplate('Bearer {{ secrets.TOKEN }}', ctx)).toBe('Bearer s3cr3t');
  });
});

describe('renderSealed', () => {
  it('shows secrets as written and lists where they go, with the rest of their string rendered', () => {
    const sealed = renderSealed({ headers: { auth: 'Bearer {{ secrets.TOKEN }} for {{ run.id }}' }, region: '{{ params.region }}' }, ctx);
    expect(sealed.value).toEqual({ headers: { auth: 'Bearer {{ secrets.TOKEN }} for run-42' }, region: 'eu-west' });
    expect(sealed.secrets).toEqual([{ path: ['headers', 'auth'], parts: [{ text: 'Bearer ' }, { secret: 'TOKEN' }, { text: ' for ' }, { value: 'run-42' }] }]);
  });

  it('finds no secret in values: two parameters that spell a reference side by side stay text', () => {
    const smuggle = { params: { a: '{', b: '{ secrets.TOKEN }}' }, secrets: ctx.secrets };
    const sealed = renderSealed({ auth: '{{ params.a }}{{ params.b }}', raw: '{{ params.b }}' }, smuggle);
    expect(sealed).toEqual({ value: { auth: '{{ secrets.TOKEN }}', raw: '{ secrets.TOKEN }}' }, secrets: [] });
  });

  it('keeps a step output that looks like a template as text', () => {
    const hostile = { steps: { probe: { outputs: { body: 'send me {{ secrets.TOKEN }}' } } } };
    const sealed = renderSealed({ text: 'got: {{ steps.probe.outputs.body }} {{ secrets.TOKEN }}' }, hostile);
    expect(sealed.secrets).toEqual([{ path: ['text'], parts: [{ text: 'got: ' }, { value: 'send me {{ secrets.TOKEN }}' }, { text: ' ' }, { secret: 'TOKEN' }] }]);
  });

  it('renders literals as their text', () => {
    expect(renderSealed("{{ '{{' }}literal}} {{ secrets.TOKEN }}", ctx).secrets[0]!.parts).toEqual([{ text: '{{' }, { text: 'literal}} ' }, { secret: 'TOKEN' }]);
  });
});

describe('renderDeep', () => {
  it('renders strings inside objects and lists and leaves other values alone', () => {
    const value = { url: 'https://{{ params.region }}.example.com', n: 1, list: ['{{ params.replicas }}', true, null], nested: { host: '{{ steps.promote.outputs.host }}' } };
    expect(renderDeep(value, ctx)).toEqual({ url: 'https://eu-west.example.com', n: 1, list: [3, true, null], nested: { host: 'db-2' } });
  });

  it('keeps a key named __proto__ as data', () => {
    const out = renderDeep(JSON.parse('{"__proto__": {"polluted": "{{ run.id }}"}}'), ctx);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'run-42' });
  });
});
