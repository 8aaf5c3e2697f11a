import type { MessageKind } from './message';

/** How people act on a message: the dashboard page, and the CLI and API commands for what the run waits for. */
export interface ActionLinks {
  runUrl?: string;
  cli: string[];
  api: string[];
}

// The one place that spells the CLI commands and API routes a message tells people to use; keep it in step with
// cli/ and api/routes/.
const ACTIONS: Partial<Record<MessageKind, { cli: string[]; api: Array<{ route: string; body: string }> }>> = {
  'approval.requested': {
    cli: ['lifeboat approve {run} {step}', 'lifeboat reject {run} {step}'],
    api: [{ route: 'runs/{run}/steps/{step}/approve', body: '{}' }],
  },
  'manual.assigned': {
    cli: ['lifeboat complete {run} {step}'],
    api: [{ route: 'runs/{run}/steps/{step}/complete', body: '{"outcome":"done"}' }],
  },
  'decision.needed': {
    cli: ['lifeboat decide {run} {step} retry|skip|abort'],
    api: [{ route: 'runs/{run}/steps/{step}/decide', body: '{"decision":"retry"}' }],
  },
};
ACTIONS['approval.escalated'] = ACTIONS['approval.requested'];

/** The links and commands for a message about `runId` (and `stepId`), given the public base URL, if any. */
export function actionLinks(kind: MessageKind, runId: string, stepId: string | undefined, publicUrl?: string): ActionLinks {
  const base = publicUrl?.replace(/\/+$/, '');
  const runUrl = base ? `${base}/runs/${encodeURIComponent(runId)}` : undefined;
  const spec = ACTIONS[kind];
  if (!spec || stepId === undefined) return { runUrl, cli: [], api: [] };
  const fill = (s: string, quote: (v: string) => string) => s.replace('{run}', quote(runId)).replace('{step}', quote(stepId));
  return {
    runUrl,
    cli: spec.cli.map((c) => fill(c, shellWord)),
    api: spec.api.map(({ route, body }) => {
      const url = `${base ?? ''}/${fill(route, encodeURIComponent)}`;
      return `curl -X POST -H "Authorization: Bearer $LIFEBOAT_TOKEN" -H 'content-type: application/json' -d '${body}' ${shellWord(url)}`;
    }),
  };
}

// Run and step ids are plain words in practice; anything else is single-quoted so a pasted command stays one word.
function shellWord(s: string): string {
  return /^[A-Za-z0-9._\-/:@%]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
