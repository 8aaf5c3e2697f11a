import { startTestLifeboat } from '../harness/lifeboat';
import { tokenWith } from '../harness/tokens';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;

beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  await lb?.stop();
});

const KEYS = 40_000;
// Generous: the loader takes a fraction of a second on these; the quadratic duplicate-key check took 10 s to minutes.
const DEADLINE_MS = 15_000;
const keys = (repeat: boolean) => Array.from({ length: KEYS }, (_, i) => (repeat ? 'k-padding-pad' : `k${i}-padding`));
const jsonSource = (repeat: boolean) =>
  `{"id":"big","title":"Big","steps":[{"id":"send","action":"http","with":{"url":"http://localhost/","method":"POST","json":{${keys(repeat)
    .map((k) => `"${k}":"v"`)
    .join(',')}}}}]}`;
const yamlSource = (repeat: boolean) =>
  `id: big\ntitle: Big\nsteps:\n  - id: send\n    action: http\n    with:\n      url: http://localhost/\n      json:\n${keys(repeat)
    .map((k) => `        ${k}: v`)
    .join('\n')}\n`;

/** A viewer's POST /runbooks/validate with a ~1 MiB body, which must be answered before the deadline. */
async function validate(text: string, contentType: string) {
  expect(Buffer.byteLength(text)).toBeGreaterThan(700 * 1024);
  expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024);
  const { token } = await tokenWith(lb, ['viewer']);
  const res = await fetch(`${lb.url}/runbooks/validate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: text,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; errors: Array<{ path: string; line?: number; message: string }> } };
}

describe('a viewer cannot freeze the API with a 1 MiB runbook of 40k keys', () => {
  it('validates 40k distinct keys in JSON before the deadline', async () => {
    const res = await validate(jsonSource(false), 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
  });

  it('rejects 40k repeated keys in JSON before the deadline, naming the key, its path and line', async () => {
    const res = await validate(jsonSource(true), 'application/json');
    expect(res.body.ok).toBe(false);
    expect(res.body.errors[0]).toEqual({ path: 'steps[0].with.json.k-padding-pad', line: 1, message: expect.stringContaining("duplicate key 'k-padding-pad'") });
  });

  it('rejects 40k repeated keys in YAML before the deadline, with the line of the first repeat', async () => {
    const res = await validate(yamlSource(true), 'application/yaml');
    expect(res.body.ok).toBe(false);
    expect(res.body.errors[0]).toEqual({ path: 'steps[0].with.json.k-padding-pad', line: 10, message: expect.stringContaining("duplicate key 'k-padding-pad'") });
  });

  it('validates 40k distinct keys in YAML before the deadline', async () => {
    const res = await validate(yamlSource(false), 'application/yaml');
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
  });
});
