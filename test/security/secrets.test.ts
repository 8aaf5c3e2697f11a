// Secrets as an attacker tries to get them: smuggled in through parameters, sent to a host a parameter chose, echoed
// back by a hostile target (in a header, a body, an error, base64- or URL-encoded), printed on a command's stderr.
// The last test is one run doing all of it, after which no store of the run (Temporal history, timeline, outputs,
// report, logs, mail) holds the secret's value.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { literalHost } from '../../activities/secrets';
import { loadConfig } from '../../config';
import { processLogger } from '../../logging/process';
import type { SealedPart } from '../../model/template';
import { masker } from '../../notify/scrub';
import { readTimeline } from '../../store/timeline';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { receivedMail } from '../harness/mail';
import { startRun } from '../harness/runs';
import { waitFor } from '../harness/wait';

const SECRET = `sk-${randomUUID()}`;
const OTHER = `ok-${randomUUID()}`;
// The value, and the middle of its base64 at each byte alignment (as it appears inside a longer encoded text).
const forms = (value: string) => [
  value,
  ...[0, 1, 2].map((k) =>
    Buffer.from('\0'.repeat(k) + value)
      .toString('base64')
      .slice(4, -4),
  ),
];

type Call = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** A hostile target: echoes every request header and the body back, in its body, its headers and its errors. */
async function startEcho() {
  const calls: Call[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      calls.push({ path, headers: req.headers, body });
      const echoed = JSON.stringify(req.headers);
      const auth = String(req.headers.authorization ?? '');
      const b64 = Buffer.from(echoed).toString('base64');
      const status = path.startsWith('/fail') ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-echo': auth.replace(/[^\x20-\x7e]/g, '') });
      res.end(JSON.stringify({ headers: req.headers, body, b64, url: encodeURIComponent(echoed), error: status === 500 ? `bad token ${auth}` : undefined }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let echo: Awaited<ReturnType<typeof startEcho>>;
let thief: Awaited<ReturnType<typeof startEcho>>;
const logged: string[] = []; // the process's stdout and stderr
const logLines: string[] = []; // the Lifeboat logger's lines
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

beforeAll(async () => {
  echo = await startEcho();
  thief = await startEcho();
  // The worker reads its secrets from its environment.
  process.env.LIFEBOAT_SECRET_SEC_TOKEN = SECRET;
  process.env.LIFEBOAT_SECRET_SEC_LISTED = OTHER;
  process.env.LIFEBOAT_SECRET_SEC_LISTED_HOSTS = `localhost:${thief.port}`;
  // Everything the process prints is kept, to be searched for the secret: what the SDK and child processes write to
  // stdout and stderr, and every line of Lifeboat's own logger (API, worker, activities, workflows) at every level.
  // That logger writes to file descriptor 1 itself (pino's destination), past process.stdout.write, and is silent in
  // the suite (LOG_LEVEL), so the test gives the API and worker the process's logger, masking and all, at trace level
  // with a destination it reads.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (logged.push(String(chunk)), writes.out(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (logged.push(String(chunk)), writes.err(chunk, ...rest))) as typeof process.stderr.write;
  const logger = processLogger(loadConfig({ ...process.env, LOG_LEVEL: 'trace' }), { destination: { write: (line: string) => void logLines.push(line) } });
  lb = await startTestLifeboat({ LIFEBOAT_COMMAND_ALLOWLIST: process.execPath }, { logger });
});
afterAll(async () => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
  await lb?.stop();
  await echo?.close();
  await thief?.close();
});

/** Every string in the run's Temporal history (payloads decoded). */
async function historyText(run: Awaited<ReturnType<typeof startRun>>): Promise<string> {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) texts.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(await run.handle.fetchHistory());
  return texts.join('\n');
}

describe('secrets by structure', () => {
  it('does not resolve a secret reference that two parameters spell side by side', async () => {
    const run = await startRun(
      lb,
      {
        parameters: { a: { type: 'string' }, b: { type: 'string' } },
        steps: [{ id: 'probe', action: 'http', with: { url: `${echo.url}/smuggle`, headers: { 'X-Probe': '{{ params.a }}{{ params.b }}', 'X-Key': '{{ secrets.SEC_TOKEN }}' } } }],
      },
      { parameters: { a: '{', b: '{ secrets.SEC_TOKEN }}' } },
    );
    expect((await run.result()).status).toBe('completed');
    const call = echo.calls.find((c) => c.path === '/smuggle')!;
    expect(call.headers['x-probe']).toBe('{{ secrets.SEC_TOKEN }}');
    // The secret the runbook itself wrote does go where it said.
    expect(call.headers['x-key']).toBe(SECRET);
  });

  it('refuses to send a bearer token to a host a parameter chose, naming the secret and the host', async () => {
    const before = thief.calls.length;
    const run = await startRun(
      lb,
      {
        parameters: { api: { type: 'string' } },
        steps: [{ id: 'zone', action: 'http', with: { method: 'POST', url: '{{ params.api }}/v1/zone', headers: { Authorization: 'Bearer {{ secrets.SEC_TOKEN }}' } } }],
      },
      { parameters: { api: thief.url } },
    );
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]!.error).toContain(`secret SEC_TOKEN may not be sent to 127.0.0.1:${thief.port}`);
    expect(final.steps[0]!.error).toContain('LIFEBOAT_SECRET_SEC_TOKEN_HOSTS');
    expect(thief.calls.length).toBe(before);
  });

  it('sends a secret to a host a parameter chose when LIFEBOAT_SECRET_<NAME>_HOSTS lists it', async () => {
    const run = await startRun(
      lb,
      {
        parameters: { api: { type: 'string' } },
        steps: [{ id: 'zone', action: 'http', with: { url: '{{ params.api }}/listed', headers: { 'X-Key': '{{ secrets.SEC_LISTED }}' } } }],
      },
      { parameters: { api: `http://localhost:${thief.port}` } },
    );
    expect((await run.result()).status).toBe('completed');
    expect(thief.calls.find((c) => c.path === '/listed')?.headers['x-key']).toBe(OTHER);
  });

  it('does not let a parameter move the host of a url the runbook starts (userinfo and suffix tricks)', async () => {
    const before = thief.calls.length;
    for (const tail of [`@127.0.0.1:${thief.port}/x`, `.nip.io/x`]) {
      const run = await startRun(
        lb,
        {
          parameters: { p: { type: 'string' } },
          steps: [{ id: 'z', action: 'http', timeout: '5s', with: { url: `http://127.0.0.1{{ params.p }}`, headers: { 'X-Key': '{{ secrets.SEC_TOKEN }}' } } }],
        },
        { parameters: { p: tail } },
      );
      const final = await run.result();
      expect(final.steps[0]!.error).toContain('secret SEC_TOKEN may not be sent to');
    }
    expect(thief.calls.length).toBe(before);
  });
});

describe('secrets masked everywhere', () => {
  it('masks a secret a target echoes in its headers, body and error, in every encoding', async () => {
    const run = await startRun(lb, {
      steps: [
        {
          id: 'echo',
          action: 'http',
          with: { url: `${echo.url}/echo`, headers: { Authorization: 'Bearer {{ secrets.SEC_TOKEN }}' } },
          outputs: { said: 'body', header: 'headers' },
        },
        { id: 'fail', action: 'http', needs: ['echo'], onFailure: 'continue', with: { url: `${echo.url}/fail`, headers: { Authorization: 'Bearer {{ secrets.SEC_TOKEN }}' } } },
      ],
    });
    const final = await run.result();
    expect(echo.calls.find((c) => c.path === '/echo')?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(final.steps[1]!.status).toBe('failed');
    const stored = [JSON.stringify(final), JSON.stringify(await readTimeline(lb.store.db, run.runId)), await historyText(run)].join('\n');
    for (const form of forms(SECRET)) expect(stored).not.toContain(form);
    expect(JSON.stringify(final.steps[0]!.outputs)).toContain('Bearer ***');
  });

  it("masks a secret a command prints on stderr, in the step's error and its result", async () => {
    const script = "process.stdout.write('out ' + process.env.TOKEN); process.stderr.write('denied for ' + process.env.TOKEN); process.exit(2)";
    const run = await startRun(lb, { steps: [{ id: 'leak', action: 'command', with: { argv: [process.execPath, '-e', script], env: { TOKEN: '{{ secrets.SEC_TOKEN }}' } } }] });
    const final = await run.result();
    expect(final.steps[0]!.error).toBe(`${process.execPath} exited with code 2: denied for ***`);
    const stored = [JSON.stringify(final), JSON.stringify(await readTimeline(lb.store.db, run.runId)), await historyText(run)].join('\n');
    expect(stored).not.toContain(SECRET);
  });

  it('leaves no secret value in history, timeline, outputs, report, logs or mail after a run that tries everything', async () => {
    const inbox = `sec-${randomUUID().slice(0, 8)}@example.com`;
    const script = "console.log('token=' + process.env.TOKEN); console.error(Buffer.from(process.env.TOKEN).toString('base64'))";
    const run = await startRun(
      lb,
      {
        parameters: { a: { type: 'string' }, b: { type: 'string' } },
        steps: [
          {
            id: 'echo',
            action: 'http',
            with: {
              method: 'POST',
              url: `${echo.url}/all?k={{ secrets.SEC_TOKEN }}`,
              headers: { Authorization: 'Bearer {{ secrets.SEC_TOKEN }}', 'X-Smuggle': '{{ params.a }}{{ params.b }}' },
              json: { token: '{{ secrets.SEC_TOKEN }}' },
            },
            outputs: { said: 'body', headers: 'headers' },
          },
          {
            id: 'cmd',
            action: 'command',
            needs: ['echo'],
            with: { argv: [process.execPath, '-e', script], env: { TOKEN: '{{ secrets.SEC_TOKEN }}' } },
            outputs: { out: 'stdout', err: 'stderr' },
          },
          { id: 'fail', action: 'http', needs: ['cmd'], onFailure: 'continue', with: { url: `${echo.url}/fail`, headers: { Authorization: 'Bearer {{ secrets.SEC_TOKEN }}' } } },
          {
            id: 'tell',
            action: 'notify',
            needs: ['fail'],
            with: {
              channel: 'email',
              recipients: [inbox],
              subject: 'echo {{ steps.echo.outputs.headers }}',
              body: 'said {{ steps.echo.outputs.said }} / {{ steps.cmd.outputs.out }} {{ steps.cmd.outputs.err }} {{ params.a }}{{ params.b }}',
            },
          },
        ],
        notifications: [{ channel: 'email', recipients: [inbox], events: ['step.failed', 'run.finished'] }],
      },
      { parameters: { a: '{', b: '{ secrets.SEC_TOKEN }}' } },
    );
    const final = await run.result();
    expect(final.status).toBe('completed');
    // The target did get the secret where the runbook put it, and only there.
    const call = echo.calls.find((c) => c.path.startsWith('/all'))!;
    expect(call.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(call.headers['x-smuggle']).toBe('{{ secrets.SEC_TOKEN }}');

    const api = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
    const id = encodeURIComponent(run.runId);
    // Mail is sent in the background of the run.
    const mail = async () => (await receivedMail()).filter((m) => m.envelopeTo.includes(inbox));
    const mails = await waitFor('the step.failed, notify and run.finished mail', mail, (m) => m.length >= 3, 30_000);
    const report = await api.get(`/runs/${id}/report`);
    const html = await fetch(`${lb.url}/runs/${id}/report`, { headers: { authorization: `Bearer ${lb.adminToken}`, accept: 'text/html' } });
    const places: Record<string, string> = {
      history: await historyText(run),
      timeline: JSON.stringify(await readTimeline(lb.store.db, run.runId)),
      'timeline (API)': JSON.stringify((await api.get(`/runs/${id}/timeline`)).body),
      'run (API)': JSON.stringify((await api.get(`/runs/${id}`)).body),
      outputs: JSON.stringify(final),
      report: JSON.stringify(report.body),
      'report (HTML)': await html.text(),
      'logs (Lifeboat logger)': logLines.join(''),
      'stdout and stderr': logged.join(''),
      mail: mails.map((m) => `${m.subject ?? ''}\n${m.text ?? ''}\n${typeof m.html === 'string' ? m.html : ''}`).join('\n'),
    };
    expect(report.status).toBe(200);
    expect(places.mail).toContain('***');
    // The logger did log the run (its outbound requests among them): the search below is not of an empty log.
    expect(logLines.some((l) => l.includes(run.runId) && l.includes('outbound request'))).toBe(true);
    for (const [place, text] of Object.entries(places)) {
      for (const form of forms(SECRET)) {
        if (text.includes(form)) throw new Error(`the secret (as ${form === SECRET ? 'itself' : 'an encoded form'}) is in the ${place}`);
      }
    }
  });
});

describe('the mask', () => {
  it('masks a value as itself, in base64 at any alignment, base64url, URL-encoded and JSON-escaped', () => {
    const value = 'p@ss/w+rd"\\ü-0123';
    const mask = masker([value]);
    const texts = [
      `x ${value} y`,
      Buffer.from(`user:${value}`).toString('base64'),
      Buffer.from(`ab${value}cd`).toString('base64'),
      Buffer.from(value).toString('base64url'),
      `q=${encodeURIComponent(value)}&`,
      JSON.stringify({ v: value }),
    ];
    for (const text of texts) {
      const masked = mask(text);
      expect(masked).toContain('***');
      for (const form of forms(value)) expect(masked).not.toContain(form);
    }
  });
});

describe('a host the runbook writes', () => {
  const url = (parts: SealedPart[]) => literalHost(parts, new URL(parts.map((p) => ('text' in p ? p.text : 'value' in p ? p.value : 'secret')).join('')), {});
  it('is one whose scheme and host come before any run value', () => {
    expect(url([{ text: 'https://api.example.com/zones/' }, { value: 'x' }])).toBe('api.example.com');
    expect(url([{ text: 'https://api.example.com?zone=' }, { value: 'x' }])).toBe('api.example.com');
    expect(url([{ text: 'https://api.example.com:8443/a' }])).toBe('api.example.com:8443');
  });
  it('is not one a run value could continue or replace', () => {
    expect(url([{ value: 'https://evil.example' }, { text: '/zones' }])).toBeUndefined();
    expect(url([{ text: 'https://api.example.com' }, { value: '.evil.example/x' }])).toBeUndefined();
    expect(url([{ text: 'https://api.example.com' }, { value: '@evil.example/x' }])).toBeUndefined();
    expect(url([{ text: 'https://' }, { value: 'evil.example' }, { text: '/x' }])).toBeUndefined();
  });
});
