// Lets a plain `node` child process (the worker the crash test kills) load this repo's TypeScript, compiled on the
// fly with the @swc/core the project already has. Test-only.
const { transformSync } = require('@swc/core');
const fs = require('node:fs');

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
