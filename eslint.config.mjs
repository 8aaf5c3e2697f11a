// Lint: typescript-eslint's recommended rules everywhere, type-aware so that a promise nobody awaits is an error,
// and workflow determinism by folder: workflow code runs in Temporal's deterministic sandbox, so it may not import
// Node built-ins or do I/O (as Temporal's samples enforce), and imports activities by type only.
// Import rules between folders (cycles, layering, what the workflow bundle may reach) are dependency-cruiser's:
// see .dependency-cruiser.cjs.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Code that runs inside the workflow sandbox, by folder (folders that do not exist yet match nothing). */
const workflowCode = ['workflows/**/*.ts', 'actions/**/*.ts', 'channels/**/*.ts', 'contract/**/*.ts'];
/**
 * model/ is the runbook language, which the workflow interprets at run time, so it is held to the same rule, except
 * the few files that exist to use Node or parse YAML (the loader's side, never imported by the workflow). A new
 * model file is deterministic unless it is named here; dependency-cruiser's workflow-bundle-is-pure rule catches
 * one of these being pulled into the bundle.
 */
const modelNeedingNode = ['model/hash.ts', 'model/yaml-source.ts', 'model/yaml-fast.ts'];

const determinism = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code must be deterministic: no Node built-ins (do I/O in an activity)' })),
  patterns: [
    { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'import activities with `import type` and call them through proxyActivities' },
    {
      group: [
        'mongoose',
        'mongodb',
        'nodemailer',
        'express',
        'handlebars',
        'yaml',
        'js-yaml',
        '@temporalio/client',
        '@temporalio/worker',
        '@temporalio/activity',
        '**/store/*',
        '**/servers/*',
        '**/api/*',
        '**/worker/*',
        '**/cli/*',
      ],
      allowTypeImports: true,
      message: 'workflow code must not do I/O: call an activity',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lifeboat/**', 'coverage/**', 'tools/**', 'bin/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A promise left floating loses its rejection (an unhandled rejection kills the process) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // Express 5 awaits async handlers, so an async function where a void callback is expected is only an error
      // for the checks that matter: a promise in a condition, or spread as an object.
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['model/**/*.ts'],
    ignores: modelNeedingNode,
    rules: { 'no-restricted-imports': ['error', determinism] },
  },
  {
    files: workflowCode,
    // contract/run.ts and contract/step.ts hold the contract's zod schemas; the workflow imports them as types only
    // (the runtime dependency rules and test/workflows/bundle.test.ts check that zod stays out of the bundle).
    ignores: ['contract/run.ts', 'contract/step.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...determinism,
          patterns: [
            ...determinism.patterns,
            { group: ['zod', 'zod/*'], allowTypeImports: true, message: 'the workflow bundle must not load zod: build schemas from the SchemaKit passed in (model/kit.ts)' },
          ],
        },
      ],
    },
  },
  {
    // The contract modules the workflow bundle loads: no Node, and zod only as types (contract/run has the schemas).
    files: ['contract/names.ts', 'contract/messages.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'the workflow bundle loads this module: no Node built-ins' })),
          patterns: [
            {
              group: ['zod', '**/store/*', '**/api/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              allowTypeImports: true,
              message: 'the workflow bundle loads this module: no zod, store or I/O (import types only)',
            },
            { group: ['./run', '../model/*'], allowTypeImports: true, message: 'these modules load zod: import their types only' },
          ],
        },
      ],
    },
  },
);
