import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { workflowBundleOptions } from '../../worker/bundle';

// Every cached run on a worker lives in one reused V8 context, and the worker preloads Lifeboat's workflow modules
// into it once, for every run to share (worker/bundle.ts): that is what keeps a cached run small. Sharing is sound
// only while those modules keep nothing at module level that a run could change, or another run would see it.

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
type WebpackPlugin = NonNullable<WebpackConfig['plugins']>[number];
type Compiler = Parameters<Extract<WebpackPlugin, (...args: never[]) => unknown>>[0];

const ROOT = path.resolve(__dirname, '../..');
const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

/** The bundle as the build makes it, and the repository's own files in it. */
async function bundle(): Promise<{ code: string; files: string[] }> {
  const files: string[] = [];
  const collect = (compiler: Compiler) => {
    compiler.hooks.done.tap('collect-modules', ({ compilation }) => {
      for (const module of compilation.modules) {
        const file = module.nameForCondition();
        if (file && !rel(file).startsWith('node_modules/') && file.endsWith('.ts')) files.push(rel(file));
      }
    });
  };
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(path.join(ROOT, 'workflows')),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), collect] }),
  });
  return { code, files: files.sort() };
}

/** The module ids the bundle evaluates before any run exists: those Temporal's reused context shares between runs. */
function sharedModuleIds(code: string): string[] {
  const ids: string[] = [];
  const context = vm.createContext({ console });
  // The reused context routes the bundle's module cache through this global; a module set before a run exists is shared.
  const cache: Record<string, unknown> = {};
  Object.defineProperty(context, '__webpack_module_cache__', {
    value: new Proxy(cache, {
      set: (target, id: string, value: unknown) => {
        ids.push(id);
        target[id] = value;
        return true;
      },
    }),
  });
  vm.runInContext(code, context);
  vm.runInContext('__TEMPORAL__.preloadModules?.()', context);
  return ids;
}

const MUTATORS = 'set|add|delete|clear|push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin';

/** Module-level bindings a run could change: `let`/`var`, static fields, and Maps, Sets, arrays or objects the file writes to. */
function moduleState(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const at = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const written = (name: string) =>
    new RegExp(`\\b${name}\\s*(?:\\.\\s*(?:${MUTATORS})\\s*\\(|(?:\\.\\s*[A-Za-z_$][\\w$]*|\\[[^\\]]*\\])\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?!=))`).test(text);
  const container = (e: ts.Expression): boolean => {
    while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    return ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e) || (ts.isNewExpression(e) && /^(Map|Set|Array)$/.test(e.expression.getText(source)));
  };
  const problems: string[] = [];
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of statement.declarationList.declarations) {
        const name = d.name.getText(source);
        if (!isConst) problems.push(`${at(d)}: '${name}' is a module-level ${statement.declarationList.flags & ts.NodeFlags.Let ? 'let' : 'var'}`);
        else if (ts.isIdentifier(d.name) && d.initializer && container(d.initializer) && written(name)) problems.push(`${at(d)}: module-level '${name}' is written to`);
      }
    }
    if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        const mods = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
        const has = (kind: ts.SyntaxKind) => mods.some((m) => m.kind === kind);
        if (ts.isPropertyDeclaration(member) && has(ts.SyntaxKind.StaticKeyword) && !has(ts.SyntaxKind.ReadonlyKeyword)) {
          problems.push(`${at(member)}: static field '${member.name.getText(source)}' of ${statement.name?.text ?? 'a class'} is writable`);
        }
      }
    }
  }
  return problems;
}

describe('the workflow bundle', () => {
  let built: { code: string; files: string[] };
  beforeAll(async () => {
    built = await bundle();
  }, 120_000);

  it("evaluates every one of Lifeboat's workflow modules once per worker thread, before any run, for all runs to share", () => {
    expect(built.files).toContain('workflows/engine.ts');
    const shared = new Set(sharedModuleIds(built.code));
    expect(built.files.filter((f) => !shared.has(`./${f}`))).toEqual([]);
  });

  it('keeps no state at module level that one run could change and another would see', () => {
    // WeakMaps and WeakSets may stay: keyed by a run's own objects, they hold nothing of a run that has ended.
    expect(built.files.flatMap(moduleState)).toEqual([]);
  });
});
