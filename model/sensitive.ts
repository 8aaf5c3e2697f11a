import { canonicalJson } from './hash';
import type { Runbook } from './runbook';
import { templateRefs } from './template';

// What makes a runbook version dangerous to accept from one person alone: a `command` step runs a program on the
// worker, and a secret reference decides where a secret is sent. A step holding either is sensitive as a whole (its
// URL or argv is what aims the secret or the program), and so is everything outside the steps when it references a
// secret (notification rules).

/** The sensitive parts of `next` that are new or changed since `previous` (absent for a first upload), as sentences. */
export function sensitiveChanges(previous: Runbook | undefined, next: Runbook): string[] {
  const before = new Map((previous?.steps ?? []).map((step) => [step.id, canonicalJson(step)]));
  const changes: string[] = [];
  for (const step of next.steps) {
    const why = sensitivity(step);
    if (why === undefined) continue;
    const was = before.get(step.id);
    if (was === canonicalJson(step)) continue;
    changes.push(`step '${step.id}' ${why} and is ${was === undefined ? 'new' : 'changed'}`);
  }
  const rest = (r: Runbook) => canonicalJson({ ...r, steps: [] });
  const secretsOutside = secretNames({ ...next, steps: [] });
  if (secretsOutside.length > 0 && (previous === undefined || rest(previous) !== rest(next))) {
    changes.push(`the runbook outside its steps references ${secretsOutside.map((s) => `secrets.${s}`).join(', ')} and is ${previous === undefined ? 'new' : 'changed'}`);
  }
  return changes;
}

function sensitivity(step: Runbook['steps'][number]): string | undefined {
  const undo: unknown = Reflect.get(step, 'undo');
  const commands = step.action === 'command' || (typeof undo === 'object' && undo !== null && Reflect.get(undo, 'action') === 'command');
  const secrets = secretNames(step);
  if (commands && secrets.length > 0) return `runs a command and references ${secrets.map((s) => `secrets.${s}`).join(', ')}`;
  if (commands) return 'runs a command';
  if (secrets.length > 0) return `references ${secrets.map((s) => `secrets.${s}`).join(', ')}`;
  return undefined;
}

/** The names of the secrets referenced anywhere in a value's strings, sorted. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  const pending: unknown[] = [value];
  for (let item = pending.pop(); item !== undefined || pending.length > 0; item = pending.pop()) {
    if (typeof item === 'string') {
      for (const { ref } of templateRefs(item)) if (ref?.kind === 'secret') names.add(ref.name);
    } else if (typeof item === 'object' && item !== null) {
      // Keys too: a header name could be a template in a future action, and this check must not lag behind.
      for (const [key, child] of Object.entries(item)) pending.push(key, child);
    }
  }
  return [...names].sort();
}
