import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commands, main } from '../../cli/main';
import { DEFAULT_SCHEMA_URL } from '../../model/json-schema';

// The CLI without an API: commands that work on files, and the checks made before any request is sent.

const pkg: { version: string } = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

/** `lifeboat …` in-process, in a fresh directory; any request it sends is recorded and refused. */
async function lifeboat(env: Record<string, string>, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const cwd = mkdtempSync(path.join(tmpdir(), 'lifeboat-cli-'));
  const refuse: typeof fetch = async (url) => {
    requests.push(String(url));
    throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  };
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOME: cwd, ...env },
    cwd,
    fetch: refuse,
  });
  return { code, stdout, stderr, requests, cwd };
}

describe('lifeboat --version and --help', () => {
  it("prints the package's version", async () => {
    expect(await lifeboat({}, '--version')).toMatchObject({ code: 0, stdout: `lifeboat ${pkg.version}\n` });
    expect(JSON.parse((await lifeboat({}, 'version', '--json')).stdout)).toEqual({ version: pkg.version });
  });

  it('lists every command, and every command takes --help and --json', async () => {
    const help = await lifeboat({}, '--help');
    expect(help.code).toBe(0);
    for (const name of Object.keys(commands)) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
      const own = await lifeboat({}, name, '--json', '--help');
      expect({ name, code: own.code, usage: own.stdout.startsWith('usage: lifeboat') }).toEqual({ name, code: 0, usage: true });
    }
    expect(help.stdout).toContain('--profile NAME');
  });
});

describe('option values the API would refuse', () => {
  // LIFEBOAT_URL points nowhere: a request would exit 3 and be recorded; the check exits 2 before sending any.
  const env = { LIFEBOAT_URL: 'http://127.0.0.1:1', LIFEBOAT_TOKEN: 't' };

  it.each([
    [['runs', '--limit', '201'], '--limit "201"'],
    [['runs', '--limit', '0'], '--limit "0"'],
    [['runs', '--limit', '2.5'], '--limit "2.5"'],
    [['runs', '--runbook', 'x'.repeat(101)], '--runbook'],
    [['runbook', 'show', 'orders', '--version', '0'], '--version "0"'],
    [['run', 'orders', '--version', 'latest'], '--version "latest"'],
    [['follow', 'r1', '--after', 'x3'], '--after "x3"'],
    [['runbook', 'show', 'Not_An_Id'], 'the runbook id "Not_An_Id"'],
  ])('refuses %j before calling the API', async (args, what) => {
    const r = await lifeboat(env, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${what}`);
    expect(r.stderr).toContain("is refused by the API's rule");
    expect(r.requests).toEqual([]);
  });

  it('sends the largest limit the API accepts', async () => {
    const r = await lifeboat(env, 'runs', '--limit', '200');
    expect(r.code).toBe(3);
    expect(r.requests).toEqual(['http://127.0.0.1:1/runs?limit=200']);
  });
});

describe('profiles', () => {
  function profileFile(dir: string, content: unknown): string {
    const file = path.join(mkdtempSync(path.join(dir || tmpdir(), 'profiles-')), 'config.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }
  const sites = { default: 'primary', profiles: { primary: { url: 'http://127.0.0.1:9/', token: 'p' }, standby: { url: 'http://127.0.0.1:7', tokenFile: 'standby-token' } } };

  it('talks to the profile named by --profile, anywhere on the line, else the default one', async () => {
    const file = profileFile('', sites);
    writeFileSync(path.join(path.dirname(file), 'standby-token'), 'secret-standby\n');
    const sent: Array<{ url: string; auth: string | undefined }> = [];
    const record: typeof fetch = async (url, init) => {
      sent.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') ?? undefined });
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    const run = (env: Record<string, string>, ...args: string[]) =>
      main(args, { stdout: { write: () => true }, stderr: { write: () => true }, env: { LIFEBOAT_CONFIG: file, ...env }, fetch: record });
    await run({}, 'runs');
    await run({}, 'runs', '--profile', 'standby');
    await run({}, '--profile=standby', 'status', 'r1');
    await run({ LIFEBOAT_URL: 'http://127.0.0.1:5' }, 'runs');
    await run({ LIFEBOAT_URL: 'http://127.0.0.1:5', LIFEBOAT_PROFILE: 'standby' }, 'runs');
    expect(sent).toEqual([
      { url: 'http://127.0.0.1:9/runs?limit=20', auth: 'Bearer p' },
      { url: 'http://127.0.0.1:7/runs?limit=20', auth: 'Bearer secret-standby' },
      { url: 'http://127.0.0.1:7/runs/r1', auth: 'Bearer secret-standby' },
      // LIFEBOAT_URL wins over the default profile, not over a named one; the default profile still gives the token.
      { url: 'http://127.0.0.1:5/runs?limit=20', auth: 'Bearer p' },
      { url: 'http://127.0.0.1:7/runs?limit=20', auth: 'Bearer secret-standby' },
    ]);
  });

  it('says which file and which field is wrong', async () => {
    const bad = (content: unknown) => profileFile('', content);
    const cases: Array<[string, string[], RegExp]> = [
      [bad('{ "profiles": { "a": '), ['runs'], /^lifeboat runs: the profile file \S+config\.json is not valid JSON: /],
      [bad({ profiles: { a: { url: 'ftp://x' } } }), ['runs', '--profile', 'a'], /is invalid:\n {2}profiles\.a\.url: expected an http:\/\/ or https:\/\/ URL/],
      [bad({ profiles: { a: { url: 'http://x', colour: 'red' } } }), ['runs'], /is invalid:\n {2}profiles\.a: Unrecognized key: "colour"/],
      [bad({ profiles: { a: { token: 'x', tokenFile: 'y' } } }), ['runs'], /profiles\.a\.tokenFile: set token or tokenFile, not both/],
      [bad(sites), ['runs', '--profile', 'dr'], /--profile names profile 'dr', which \S+ does not have \(it has primary, standby\)/],
      [bad({ default: 'gone', profiles: {} }), ['runs'], /"default" in \S+ names profile 'gone'/],
      [bad(sites), ['runs', '--profile', 'standby'], /profile standby in \S+: cannot read its tokenFile \S+standby-token/],
    ];
    for (const [file, args, message] of cases) {
      const r = await lifeboat({ LIFEBOAT_CONFIG: file }, ...args);
      expect({ args, code: r.code, requests: r.requests.length }).toEqual({ args, code: 2, requests: 0 });
      expect(r.stderr).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => /^\s+at /.test(l)),
      ).toEqual([]);
    }
    const missing = await lifeboat({ LIFEBOAT_CONFIG: '/nonexistent/lifeboat.json' }, 'runs', '--profile', 'a');
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read the profile file /nonexistent/lifeboat.json: it does not exist') });
    // Without --profile, no file is fine: the default address.
    expect((await lifeboat({ LIFEBOAT_CONFIG: '/nonexistent/lifeboat.json' }, 'runs')).requests).toEqual(['http://127.0.0.1:3000/runs?limit=20']);
    expect(await lifeboat({}, 'runs', '--profile')).toMatchObject({ code: 2, stderr: 'lifeboat: --profile needs a profile name, e.g. --profile standby\n' });
  });

  it('reads ~/.config/lifeboat/config.json when LIFEBOAT_CONFIG is unset', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-home-'));
    execFileSync('mkdir', ['-p', path.join(home, '.config', 'lifeboat')]);
    writeFileSync(path.join(home, '.config', 'lifeboat', 'config.json'), JSON.stringify({ profiles: { dr: { url: 'http://127.0.0.1:4' } } }));
    expect((await lifeboat({ HOME: home }, 'runs', '--profile', 'dr')).requests).toEqual(['http://127.0.0.1:4/runs?limit=20']);
  });
});

describe('lifeboat init', () => {
  it('writes a commented starter runbook that validates, with the schema line first', async () => {
    const init = await lifeboat({}, 'init', 'payments-failover');
    expect(init).toMatchObject({ code: 0, stdout: 'wrote payments-failover.yaml; check it with: lifeboat validate payments-failover.yaml\n', stderr: '' });
    const text = readFileSync(path.join(init.cwd, 'payments-failover.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${DEFAULT_SCHEMA_URL}`);
    expect(text.split('\n').filter((l) => l.includes('#')).length).toBeGreaterThan(10);
    const run = (...args: string[]) => main(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, cwd: init.cwd, env: { HOME: init.cwd } });
    let stderr = '';
    expect(await run('validate', 'payments-failover.yaml')).toBe(0);
    expect(stderr).toBe(''); // no warnings either
    // Never over an existing file, unless --force.
    expect(await run('init', 'payments-failover')).toBe(1);
    expect(stderr).toContain('payments-failover.yaml exists; choose another --out, or --force to overwrite it');
    expect(await run('init', 'payments-failover', '--force')).toBe(0);
  });

  it('points the schema line at the API it talks to', async () => {
    const r = await lifeboat({ LIFEBOAT_URL: 'https://lifeboat.example.com/' }, 'init', 'x', '--out', 'x.yml', '--json');
    expect(JSON.parse(r.stdout)).toEqual({ file: 'x.yml', id: 'x', schema: 'https://lifeboat.example.com/schema/runbook.json' });
    expect(readFileSync(path.join(r.cwd, 'x.yml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=https:\/\/lifeboat\.example\.com\/schema\/runbook\.json\n/);
  });

  it('refuses an id that is not a runbook id', async () => {
    expect(await lifeboat({}, 'init', 'Payments')).toMatchObject({ code: 2, stderr: expect.stringContaining('expected a kebab-case id') });
  });
});

describe('lifeboat completion', () => {
  const script = async (shell: string) => {
    const r = await lifeboat({}, 'completion', shell);
    expect(r.code).toBe(0);
    const file = path.join(r.cwd, `lifeboat.${shell}`);
    writeFileSync(file, r.stdout);
    return file;
  };

  /** What bash completes for the words typed so far (the last one being completed). */
  const complete = (file: string, ...typed: string[]) =>
    execFileSync('bash', ['-c', `source "$0"; COMP_WORDS=(lifeboat "$@"); COMP_CWORD=$#; _lifeboat; printf '%s\\n' "\${COMPREPLY[@]}"`, file, ...typed], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);

  it('completes commands, subcommands and options in bash', async () => {
    const file = await script('bash');
    expect(complete(file, 'ru')).toEqual(['runbook', 'run', 'runs']);
    expect(complete(file, 'runbook', '')).toEqual(['push', 'list', 'show']);
    expect(complete(file, 'token', 're')).toEqual(['revoke']);
    expect(complete(file, 'schedule', 'p')).toEqual(['pause']);
    expect(complete(file, 'runs', '--l')).toEqual(['--limit']);
    expect(complete(file, 'follow', 'r1', '--')).toEqual(['--after', '--help', '--json', '--profile']);
    expect(complete(file, 'fo')).toEqual(['follow']);
  });

  it('writes a zsh script with every command', async () => {
    const text = readFileSync(await script('zsh'), 'utf8');
    expect(text.split('\n')[0]).toBe('#compdef lifeboat');
    for (const name of Object.keys(commands)) expect(text).toContain(`    ${name}) subs=(`);
    expect(text).toContain('    runbook) subs=(push list show); opts=(--help --json --profile --version)');
  });

  it('refuses another shell', async () => {
    expect(await lifeboat({}, 'completion', 'fish')).toMatchObject({ code: 2, stderr: expect.stringContaining("name the shell: bash or zsh, not 'fish'") });
  });
});
