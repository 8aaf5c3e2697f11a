// Lint: typescript-eslint's recommended rules everywhere, and workflow determinism under workflows/:
// workflow code runs in Temporal's deterministic sandbox, so it may not import Node built-ins or do I/O
// (as Temporal's samples enforce), and imports activities by type only.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lifeboat/**', 'coverage/**', 'tools/**', 'bin/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'model/runbook.ts', 'model/duration.ts', 'model/template.ts', 'model/condition.ts', 'model/reference.ts', 'model/compare.ts', 'runs/values.ts', 'notify/route.ts', 'channels/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code must be deterministic: no Node built-ins (do I/O in an activity)' })),
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'import activities with `import type` and call them through proxyActivities' },
            { group: ['mongoose', 'mongodb', 'nodemailer', 'express', 'yaml', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '**/store/*', '**/servers/*', '**/api/*'], allowTypeImports: true, message: 'workflow code must not do I/O: call an activity' },
          ],
        },
      ],
    },
  },
);
