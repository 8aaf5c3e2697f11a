import type { WaitingFor } from '../contract/step';
import type { MessageKind } from './message';

/** How people act on a message: the dashboard page, and the CLI and API commands for what the run waits for. */
export interface ActionLinks {
  runUrl?: string;
  cli: string[];
  api: string[];
}

type Answer = { cli: string[]; api: Array<{ route: string; body: string }> };

// The one place that spells the CLI commands and API routes that answer what a run waits for, as messages
// (notify/render.ts) and the CLI's own output (cli/events.ts) tell people to use them; keep it in step with cli/
// and api/routes/.
const ANSWERS: Record<WaitingFor['kind'], Answer> = {
  approval: {
    cli: ['lifeboat approve {run} {step}', 'lifeboat reject {run} {step}'],
    api: [{ route: 'runs/{run}/steps/{step}/approve', body: '{}' }],
  },
  manual: {
    cli: ['lifeboat complete {run} {step}'],
    api: [{ route: 'runs/{run}/steps/{step}/complete', body: '{"outcome":"done"}' }],
  },
  decision: {
    cli: ['lifeboat decide {run} {step} retry|skip|abort'],
    api: [{ route: 'runs/{run}/steps/{step}/decide', body: '{"decision":"retry"}' }],
  },
  resume: {
    cli: ['lifeboat resume {run}'],
    api: [{ route: 'runs/{run}/resume', body: '{}' }],
  },
};

/** What a message of each kind asks people for; other kinds only inform. */
const ASKS: Partial<Record<MessageKind, WaitingFor['kind']>> = {
  'approval.requested': 'approval',
  'approval.escalated': 'approval',
  'manual.assigned': 'manual',
  'decision.needed': 'decision',
};

const fill = (s: string, runId: string, stepId: string | undefined, quote: (v: string) => string) => s.replace('{run}', quote(runId)).replace('{step}', quote(stepId ?? '<step>'));

/** The CLI commands that answer what a run waits for, most usual first: `lifeboat approve r1 go`, … */
export function answerCommands(kind: WaitingFor['kind'], runId: string, stepId: string | undefined): string[] {
  return ANSWERS[kind].cli.map((c) => fill(c, runId, stepId, shellWord));
}

/** The links and commands for a message about `runId` (and `stepId`), given the public base URL, if any. */
export function actionLinks(kind: MessageKind, runId: string, stepId: string | undefined, publicUrl?: string): ActionLinks {
  const base = publicUrl?.replace(/\/+$/, '');
  // The drill programme's notice is about a runbook, not a run: it links to the programme.
  const runUrl = base ? (kind === 'drill.overdue' ? `${base}/programme` : `${base}/runs/${encodeURIComponent(runId)}`) : undefined;
  const asks = ASKS[kind];
  if (!asks || stepId === undefined) return { runUrl, cli: [], api: [] };
  const spec = ANSWERS[asks];
  return {
    runUrl,
    cli: answerCommands(asks, runId, stepId),
    api: spec.api.map(({ route, body }) => {
      const url = `${base ?? ''}/${fill(route, runId, stepId, encodeURIComponent)}`;
      return `curl -X POST -H "Authorization: Bearer $LIFEBOAT_TOKEN" -H 'content-type: application/json' -d '${body}' ${shellWord(url)}`;
    }),
  };
}

// Run and step ids are plain words in practice; anything else is single-quoted so a pasted command stays one word.
function shellWord(s: string): string {
  return /^[A-Za-z0-9._\-/:@%]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
