import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The files a fresh Node process has loaded after requiring `modules` (TypeScript compiled as the bundler does, by swc). */
function loadedBy(modules: string[]): string[] {
  const script = `${modules.map((m) => `require(${JSON.stringify(path.join(root, m))});`).join('')} process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const out = execFileSync(process.execPath, ['--require', path.join(root, 'test/harness/ts-register.js'), '-e', script], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((f) => path.relative(root, f));
}

// The workflow bundle loads these modules, and it must never load zod or store code: a plain Node process shows
// what requiring them pulls in, which jest's own module registry would hide.
describe('the contract modules the workflow bundle loads', () => {
  const modules = ['contract/names.ts', 'contract/messages.ts'];
  const loaded = loadedBy(modules);

  it('load their own files and the Temporal SDK', () => {
    expect(loaded).toEqual(expect.arrayContaining(modules));
    expect(loaded.some((f) => f.includes('node_modules/@temporalio/common/'))).toBe(true);
  });

  it('load neither zod nor the schemas, the store or the model', () => {
    const forbidden = loaded.filter((f) => /(^|\/)node_modules\/zod\/|^contract\/run\.ts$|^store\/|^model\//.test(f));
    expect(forbidden).toEqual([]);
  });
});
