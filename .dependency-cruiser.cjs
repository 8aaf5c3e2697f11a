// Import rules over the whole source graph, `import type` included (tsPreCompilationDeps: true): no cycle of any
// kind, and who may depend on whom. The rules about what runs — runtime cycles, the workflow bundle, workflow code
// reaching I/O layers — are in .dependency-cruiser-runtime.cjs, which cruises the graph with type imports erased.
// `npm run check:deps` runs both. Folders that do not exist yet (contract/, actions/, channels/) are named on purpose:
// the rules hold the moment they appear.

/** Options both cruises share. */
const options = {
  doNotFollow: { path: '^node_modules/' },
  exclude: { path: '^(dist|coverage|tools|\\.lifeboat)/' },
  tsConfig: { fileName: 'tsconfig.json' },
  // Resolve packages the way Node does at run time, so `zod` is node_modules/zod/…, not an @types stub.
  enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default'], mainFields: ['main'] },
  skipAnalysisNotInRules: true,
  reporterOptions: { text: { highlightFocused: true } },
};

/** Our own top-level folders other than model/, actions/, channels/ and contract/. */
const aboveModel = '^(activities|api|bench|bin|catalog|cli|config|console|metrics|notify|report|runs|schedules|servers|store|temporal|test|timeline|worker|workflows)/';

module.exports = {
  options: { ...options, tsPreCompilationDeps: true },
  forbidden: [
    {
      name: 'no-type-cycle',
      severity: 'error',
      comment:
        'A cycle through `import type` edges. It costs nothing at run time, but it means two modules cannot be ' +
        'understood (or moved) apart: put the shared type in the lower of the two, or in contract/.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'model-imports-only-model',
      severity: 'error',
      comment:
        'model/ is the runbook language: it may import model/, actions/, channels/, contract/, third-party packages ' +
        'and Node built-ins, but nothing above it (runs/, store/, workflows/, …), not even a type.',
      from: { path: '^model/' },
      to: { path: aboveModel },
    },
    {
      name: 'contract-imports-only-model',
      severity: 'error',
      comment: 'contract/ is the layer below workflows/, runs/, store/ and api/: of our code it may import only model/ (and itself).',
      from: { path: '^contract/' },
      to: { path: `${aboveModel.slice(0, -2)}|actions|channels)/` },
    },
    {
      name: 'express-only-in-api',
      severity: 'error',
      comment: 'HTTP routing lives in api/ and the web console (console/): other folders call services, not express.',
      from: { pathNot: '^(api|console|test)/' },
      to: { path: '^node_modules/(express|@types/express)/' },
    },
    {
      name: 'console-is-a-client',
      severity: 'error',
      comment: 'The web console (console/) sits beside api/ and cli/: the app mounts it (api/app.ts); nothing else imports it.',
      from: { pathNot: '^(api/app\\.ts$|console/|test/)' },
      to: { path: '^console/' },
    },
    {
      name: 'mongodb-only-in-store',
      severity: 'error',
      comment: 'MongoDB access lives in store/. Exception: servers/ferretdb.ts pings the FerretDB it starts to know it is up ' + '(a readiness probe, not data access).',
      from: { pathNot: '^(store/|test/|servers/ferretdb\\.ts$)' },
      to: { path: '^node_modules/(mongodb|mongoose|bson)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing on disk: a typo, or a package missing from package.json.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
};
