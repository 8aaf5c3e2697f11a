import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { RunState } from '../contract/run';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { progressLine, waitingLines } from './events';
import { CliIo, Command, EXIT, UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

const ControlAnswer = z.object({ accepted: z.literal(true), state: RunState });

/** One operator action: POST /runs/:id/<name> or /runs/:id/steps/:stepId/<name>. */
interface Control {
  name: string;
  summary: string;
  /** Arguments after the run id (and step id for step actions). */
  step: boolean;
  choice?: { name: string; values: readonly string[] };
  options: Options;
  optionsUsage: string;
  body(values: Values, choice: string | undefined): Record<string, unknown>;
  done: string;
}

const text = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

const CONTROLS: Control[] = [
  {
    name: 'approve',
    summary: 'approve an approval step',
    step: true,
    options: { comment: { type: 'string' } },
    optionsUsage: '[--comment TEXT]',
    body: (v) => ({ comment: text(v.comment) }),
    done: 'approved',
  },
  {
    name: 'reject',
    summary: 'reject an approval step',
    step: true,
    options: { comment: { type: 'string' } },
    optionsUsage: '[--comment TEXT]',
    body: (v) => ({ comment: text(v.comment) }),
    done: 'rejected',
  },
  {
    name: 'complete',
    summary: 'report a manual task done (or --failed)',
    step: true,
    options: { failed: { type: 'boolean' }, note: { type: 'string' }, evidence: { type: 'string', multiple: true } },
    optionsUsage: '[--failed] [--note TEXT] [--evidence URL…]',
    body: (v) => ({ outcome: v.failed ? 'failed' : 'done', note: text(v.note), evidence: Array.isArray(v.evidence) ? v.evidence.map(String) : undefined }),
    done: 'completed',
  },
  {
    name: 'skip',
    summary: 'skip a step (a reason is required)',
    step: true,
    options: { reason: { type: 'string' } },
    optionsUsage: '--reason TEXT',
    body: (v) => ({ reason: required(v.reason, '--reason') }),
    done: 'skipped',
  },
  {
    name: 'retry',
    summary: 'retry a failed step (--fresh: as a new execution, under a new idempotency key)',
    step: true,
    options: { reason: { type: 'string' }, fresh: { type: 'boolean' } },
    optionsUsage: '[--reason TEXT] [--fresh]',
    body: (v) => ({ reason: text(v.reason), fresh: v.fresh === true ? true : undefined }),
    done: 'retried',
  },
  {
    name: 'decide',
    summary: 'decide what a failed step does next: retry, skip or abort',
    step: true,
    choice: { name: 'retry|skip|abort', values: ['retry', 'skip', 'abort'] },
    options: { reason: { type: 'string' }, fresh: { type: 'boolean' } },
    optionsUsage: '[--reason TEXT] [--fresh]',
    body: (v, choice) => ({ decision: choice, reason: text(v.reason), fresh: v.fresh === true ? true : undefined }),
    done: 'decided on',
  },
  {
    name: 'pause',
    summary: 'pause a run: no new step starts',
    step: false,
    options: { reason: { type: 'string' } },
    optionsUsage: '[--reason TEXT]',
    body: (v) => ({ reason: text(v.reason) }),
    done: 'paused',
  },
  {
    name: 'resume',
    summary: 'resume a paused run',
    step: false,
    options: { reason: { type: 'string' } },
    optionsUsage: '[--reason TEXT]',
    body: (v) => ({ reason: text(v.reason) }),
    done: 'resumed',
  },
  {
    name: 'abort',
    summary: 'abort a run (--rollback undoes the steps that ran)',
    step: false,
    options: { reason: { type: 'string' }, rollback: { type: 'boolean' } },
    optionsUsage: '--reason TEXT [--rollback]',
    body: (v) => ({ reason: required(v.reason, '--reason'), rollback: v.rollback === true }),
    done: 'aborted',
  },
];

function required(v: Values[string], option: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${option} is required`);
  return v;
}

function controlCommand(c: Control): Command {
  const usage = `lifeboat ${c.name} <runId>${c.step ? ' <stepId>' : ''}${c.choice ? ` ${c.choice.name}` : ''} ${c.optionsUsage}`;
  return {
    summary: c.summary,
    usage,
    async run(args: string[], io: CliIo): Promise<number> {
      const { positionals, values } = parseCommandArgs(args, c.options);
      const wanted = 1 + (c.step ? 1 : 0) + (c.choice ? 1 : 0);
      if (positionals.length !== wanted) throw new UsageError(`expected ${wanted} argument${wanted > 1 ? 's' : ''}, got ${positionals.length}`);
      const [runId = '', ...rest] = positionals;
      const stepId = c.step ? rest.shift() : undefined;
      const choice = c.choice ? rest.shift() : undefined;
      if (c.choice && !c.choice.values.includes(choice ?? '')) throw new UsageError(`the decision must be ${c.choice.values.join(', ')}, not '${choice}'`);
      const body = c.body(values, choice);
      const path = stepId === undefined ? apiPath('runs', runId, c.name) : apiPath('runs', runId, 'steps', stepId, c.name);
      const answer = await apiFor(io).call(ControlAnswer, 'POST', path, body);
      const what = stepId === undefined ? `run ${runId}` : `step ${stepId} of run ${runId}`;
      if (values.json) {
        io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        return EXIT.ok;
      }
      io.stdout.write(`${c.done} ${what}${choice ? `: ${choice}` : ''}; the run is ${answer.state.status}\n`);
      io.stdout.write(`${[progressLine(answer.state), ...waitingLines(answer.state)].join('\n')}\n`);
      return EXIT.ok;
    },
  };
}

/** approve, reject, complete, skip, retry, decide, pause, resume and abort. */
export const controlCommands: Readonly<Record<string, Command>> = Object.fromEntries(CONTROLS.map((c) => [c.name, controlCommand(c)]));
