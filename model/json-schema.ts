import { z } from 'zod';
import { Runbook } from './runbook';

export const RUNBOOK_SCHEMA_ID = 'urn:lifeboat:runbook';

/**
 * The published JSON Schema for runbook files, generated from the zod schema. It describes the input
 * (defaults optional); cross-step rules such as unknown needs or cycles are only checked by `lifeboat validate`.
 */
export function runbookJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Runbook, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return { ...generated, $id: RUNBOOK_SCHEMA_ID, title: 'Lifeboat runbook' };
}
