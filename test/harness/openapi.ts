import { execFile } from 'node:child_process';
import path from 'node:path';

// @seriousme/openapi-schema-validator is ESM only, which jest's CommonJS runtime cannot load: it runs in a child
// Node process, which can. The same process compiles every component schema with the validator's Ajv (2020-12).
const SCRIPT = `
import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
const require = createRequire(import.meta.resolve('@seriousme/openapi-schema-validator'));
const Ajv2020 = require('ajv/dist/2020').default;
let text = '';
for await (const chunk of process.stdin) text += chunk;
const doc = JSON.parse(text);
const result = await new Validator().validate(doc);
const ajv = new Ajv2020({ strict: false, validateFormats: false });
ajv.addSchema({ $id: 'https://lifeboat.invalid/openapi.json', components: doc.components });
const schemaErrors = [];
for (const name of Object.keys(doc.components?.schemas ?? {})) {
  try { ajv.getSchema('https://lifeboat.invalid/openapi.json#/components/schemas/' + name); } catch (err) { schemaErrors.push(name + ': ' + err.message); }
}
process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [], schemaErrors }));
`;

/** Validates an OpenAPI document against the official schema, and compiles its component schemas. */
export function validateOpenApi(doc: unknown): Promise<{ valid: boolean; errors: unknown[]; schemaErrors: string[] }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT],
      { cwd: path.resolve(__dirname, '../..'), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`the OpenAPI validator failed: ${stderr || err.message}`));
        else resolve(JSON.parse(stdout));
      },
    );
    child.stdin?.end(JSON.stringify(doc));
  });
}
