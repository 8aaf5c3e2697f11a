import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { durationMs, parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { Step } from '../model/runbook';
import { renderDeep } from '../model/template';
import { stepNotifyTargets, targetName } from '../notify/route';
import type { PinnedRun } from '../runs/types';
import { notificationMessage } from './notifications';

export type { Step };

type PickEach<T, K extends PropertyKey> = T extends unknown ? Pick<T, Extract<keyof T, K>> : never;
/** What running an action needs of a step; an `undo` with the step's id is one too. */
export type ActionStep = PickEach<Step, 'id' | 'title' | 'action' | 'with' | 'timeout'>;

/** What an action needs besides its rendered step. */
export interface ActionContext {
  run: PinnedRun;
  attempt: number;
  timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS: Partial<Record<Step['action'], number>> = {
  http: 60_000,
  check: 15 * 60_000,
  command: 10 * 60_000,
  notify: 5 * 60_000,
};

/** The timeout of one attempt of a step: its own, else a default for the action. */
export function stepTimeoutMs(step: ActionStep): number {
  const own = step.timeout ? parseDuration(step.timeout) : undefined;
  return own ?? DEFAULT_TIMEOUT_MS[step.action] ?? 60 * 60_000;
}

/**
 * The step with its `with` templates rendered against the run so far. `{{ secrets.X }}` stays as written: secrets
 * are resolved only inside activities, so they never enter workflow history.
 */
export function renderStep<T extends ActionStep>(step: T, ctx: ReferenceContext): T {
  // Rendering replaces template strings inside `with` and keeps its shape, which the runbook's validation checked.
  return { ...step, with: renderDeep(step.with, ctx, { keepSecrets: true }) } as T;
}

function activitiesFor(timeoutMs: number) {
  // One attempt per activity: the workflow owns retries so every attempt is on the timeline.
  return proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: timeoutMs > 60_000 ? 30_000 : undefined,
    retry: { maximumAttempts: 1 },
  });
}

/** Runs one attempt of an automated action (not approval, manual or runbook) of a rendered step. */
export async function runAction(step: ActionStep, ctx: ActionContext): Promise<unknown> {
  const a = activitiesFor(ctx.timeoutMs);
  const key = `${ctx.run.runId}/${step.id}/${ctx.attempt}`;
  switch (step.action) {
    case 'wait':
      await sleep(durationMs(step.with.duration));
      return {};
    case 'notify': {
      // Delivery retries through an outage for as long as the step's timeout allows; one message per recipient,
      // keyed without the attempt so a retried step does not mail those already reached.
      const { sendNotification } = proxyActivities<Activities>({
        startToCloseTimeout: '1 minute',
        scheduleToCloseTimeout: ctx.timeoutMs,
        retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
      });
      const message = notificationMessage(ctx.run, 'step.notify', new Date().toISOString(), step, { subject: step.with.subject, body: step.with.body });
      const sent = await Promise.all(stepNotifyTargets(step.with).map((target) => sendNotification({ key: `${ctx.run.runId}/${step.id}/${targetName(target)}`, target, message })));
      return { sent: sent.map((d) => d.target) };
    }
    case 'http': {
      const w = step.with;
      const expect = w.expect === undefined ? undefined : Array.isArray(w.expect) ? w.expect : [w.expect];
      return a.httpRequest({ method: w.method, url: w.url, headers: w.headers, json: w.json, body: w.body, expect, idempotencyKey: key });
    }
    case 'check': {
      const w = step.with;
      return a.checkHttp({ method: w.method, url: w.url, headers: w.headers, everyMs: durationMs(w.every), until: w.until });
    }
    case 'command':
      return a.runCommand({ argv: step.with.argv, cwd: step.with.cwd, env: step.with.env });
    default:
      throw ApplicationFailure.nonRetryable(`step ${step.id}: action ${step.action} is not an automated action`);
  }
}
