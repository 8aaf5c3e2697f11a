// Import rules over what runs: the graph as TypeScript emits it, with type-only imports erased (tsPreCompilationDeps:
// false), exactly what Node and Temporal's workflow bundler load. So "except type-only" needs no exception here: an
// `import type` (or an import used only as a type) is simply not an edge. The type-aware rules are in
// .dependency-cruiser.cjs; `npm run check:deps` runs both.
const { builtinModules } = require('node:module');
const { options } = require('./.dependency-cruiser.cjs');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const nodeBuiltin = `^(node:)?(${builtinModules.map(escape).join('|')})$`;

/** Code Temporal runs in its deterministic workflow sandbox (new folders included before they exist). */
const workflowCode = '^(workflows|actions|channels)/';
/** Layers that do I/O; workflow code reaches them only through activities (type imports are fine). */
const ioLayers = '^(store|api|activities|metrics|servers|worker|cli)/';
/** Packages that do I/O or validation at run time and must stay out of the workflow bundle. */
const bundleForbiddenPackages = '^node_modules/(zod|mongodb|mongoose|bson|nodemailer|express|handlebars|yaml|js-yaml|@temporalio/(client|worker|activity))/';

module.exports = {
  options: { ...options, tsPreCompilationDeps: false },
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment: 'A cycle Node actually walks at load time: one of its modules sees the others half-initialised. ' + 'Move what both need into a lower module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'workflow-code-does-no-io',
      severity: 'error',
      comment:
        'workflows/, actions/ and channels/ run in the workflow sandbox: they import store/, api/, activities/, ' +
        'servers/, worker/ and cli/ with `import type` only, and call activities through proxyActivities.',
      from: { path: workflowCode },
      to: { path: ioLayers },
    },
    {
      name: 'workflow-bundle-is-pure',
      severity: 'error',
      comment:
        'Everything the workflow bundle loads (what workflows/index.ts reaches at run time) must be deterministic and ' +
        'light: no zod, no store/ or other I/O layer, no Node built-in, no I/O package. Build schemas from the SchemaKit ' +
        'passed in (model/kit.ts), and import shared constants from a module that imports none of these.',
      from: { path: '^workflows/index\\.ts$' },
      to: { reachable: true, path: [bundleForbiddenPackages, ioLayers, nodeBuiltin] },
    },
  ],
};
