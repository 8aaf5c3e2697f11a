import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { builtinModules } from 'node:module';
import path from 'node:path';

// The workflow bundle is what every workflow task loads into Temporal's sandbox: it must hold only deterministic,
// I/O-free code. This bundles workflows/ exactly as the worker does and inspects what webpack put in it, so an
// innocent-looking runtime import (one constant from a module that imports zod or store/) fails here, naming the
// chain of imports that brought the module in.

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
type WebpackPlugin = NonNullable<WebpackConfig['plugins']>[number];
type Compiler = Parameters<Extract<WebpackPlugin, (...args: never[]) => unknown>>[0];

const ROOT = path.resolve(__dirname, '../..');

/** Where a bundled module must never come from, as paths relative to the repository root. */
const FORBIDDEN: { what: string; test: (file: string) => boolean }[] = [
  { what: 'zod (validation belongs at the edges; workflow code gets a SchemaKit)', test: (f) => f.startsWith('node_modules/zod/') },
  { what: 'an I/O package', test: (f) => /^node_modules\/(mongodb|mongoose|bson|nodemailer|express|handlebars|yaml)\//.test(f) },
  { what: 'store/, api/, activities/ or another I/O layer', test: (f) => /^(store|api|activities|servers|worker|cli)\//.test(f) },
];

const BUILTINS = new Set(builtinModules);
const isBuiltin = (request: string) => BUILTINS.has(request.replace(/^node:/, '').split('/')[0]!);

interface Bundled {
  /** Every module file in the bundle (relative to the repository root), with the module that first imported it. */
  files: Map<string, string | undefined>;
  /** Every Node built-in some bundled module asked for, with who asked. */
  builtins: { request: string; issuer: string }[];
  /** Set when bundling failed (Temporal's bundler refuses disallowed built-ins), with its message. */
  error?: string;
}

async function bundleAndCollect(): Promise<Bundled> {
  const bundled: Bundled = { files: new Map(), builtins: [] };
  const webpackErrors: string[] = [];
  const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');
  const collect = (compiler: Compiler) => {
    compiler.hooks.normalModuleFactory.tap('collect-requests', (factory) => {
      factory.hooks.beforeResolve.tap('collect-requests', (data) => {
        if (isBuiltin(data.request)) bundled.builtins.push({ request: data.request, issuer: rel(data.contextInfo.issuer) });
      });
    });
    compiler.hooks.done.tap('collect-modules', ({ compilation }) => {
      for (const module of compilation.modules) {
        const file = module.nameForCondition();
        if (!file) continue;
        const issuer = compilation.moduleGraph.getIssuer(module)?.nameForCondition();
        bundled.files.set(rel(file), issuer ? rel(issuer) : undefined);
      }
    });
  };
  try {
    await bundleWorkflowCode({
      workflowsPath: path.join(ROOT, 'workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (message) => webpackErrors.push(message), log() {} },
      webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), collect] }),
    });
  } catch (err) {
    bundled.error = [err instanceof Error ? err.message : String(err), ...webpackErrors].join('\n');
  }
  return bundled;
}

/** `a ← b ← c`: the module and the chain of importers that pulled it into the bundle. */
function chain(files: Map<string, string | undefined>, file: string): string {
  const seen = [file];
  for (let at = files.get(file); at && !seen.includes(at); at = files.get(at)) seen.push(at);
  return seen.join(' ← ');
}

describe('workflow bundle', () => {
  let bundled: Bundled;
  beforeAll(async () => {
    bundled = await bundleAndCollect();
  }, 120_000);

  it('bundles the workflows as the worker does', () => {
    expect(bundled.error).toBeUndefined();
    // A sanity check that the collector sees the bundle at all: the interpreter must be in it.
    expect([...bundled.files.keys()]).toContain('workflows/runbook.ts');
  });

  it('contains no zod, no I/O package and no store/, api/ or activities/ code', () => {
    const forbidden = (file: string | undefined) => (file === undefined ? undefined : FORBIDDEN.find((f) => f.test(file)));
    const all = [...bundled.files.keys()].filter((file) => forbidden(file));
    // Name only where forbidden code enters the bundle (its importer is allowed), not each of zod's 100 files.
    const entries = all.filter((file) => !forbidden(bundled.files.get(file))).map((file) => `  ${chain(bundled.files, file)}\n    (${forbidden(file)!.what})`);
    if (all.length > 0) {
      throw new Error(`the workflow bundle contains ${all.length} forbidden module(s), brought in by:\n${entries.join('\n')}`);
    }
  });

  it('loads no Node built-in', () => {
    const offending = bundled.builtins.map((b) => `  ${b.request} ← ${chain(bundled.files, b.issuer)}`);
    if (offending.length > 0) throw new Error(`the workflow bundle asks for Node built-ins:\n${offending.join('\n')}`);
  });
});
