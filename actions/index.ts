// The one list of step actions. Adding an action is a module beside this one and a line here; the language
// (model/runbook.ts), the planner and the engine read everything else from the module.
import { approval } from './approval';
import { check } from './check';
import { command } from './command';
import type { ActionDefinition } from './kit';
import { http } from './http';
import { manual } from './manual';
import { notify } from './notify';
import { runbook } from './runbook';
import { wait } from './wait';

export const ACTIONS = { http, check, command, wait, approval, manual, notify, runbook } satisfies Record<string, ActionDefinition>;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** The definition of an action, looked up by a step's (already validated) action name. */
export function actionOf(name: string): ActionDefinition {
  const def = (ACTIONS as Record<string, ActionDefinition>)[name];
  if (!def) throw new Error(`no action named ${name}: the runbook was validated against a different set of actions`);
  return def;
}
