import { Router } from 'express';
import { z } from 'zod';
import type { RunService } from '../../runs/service';
import { StepId } from '../../model/runbook';
import {
  abortRunUpdate,
  approveStepUpdate,
  completeManualUpdate,
  decideStepUpdate,
  pauseRunUpdate,
  resumeRunUpdate,
  retryStepUpdate,
  skipStepUpdate,
} from '../../contract/messages';
import { AbortRequest, ApprovalDecision, ControlResult, ManualOutcome, RunControl, StepControl, StepDecision, StepRetry } from '../../contract/run';
import { principal } from '../auth';
import { addRoute, type Access, type Parsed } from '../route';
import { RunIdParams } from './runs';

// Request bodies are the message schemas of contract/run without the fields the API fills in (stepId, actor, roles).
const ApproveBody = z.strictObject(ApprovalDecision.pick({ comment: true }).shape);
const CompleteBody = z.strictObject(ManualOutcome.pick({ outcome: true, note: true, evidence: true }).shape);
const SkipBody = z.strictObject({ reason: StepControl.shape.reason.unwrap().min(1, 'say why the step is skipped') });
const RetryBody = z.strictObject(StepRetry.pick({ reason: true, fresh: true }).shape);
const DecideBody = z.strictObject(StepDecision.pick({ decision: true, reason: true, fresh: true }).shape);
const RunControlBody = z.strictObject(RunControl.pick({ reason: true }).shape);
const AbortBody = z.strictObject(AbortRequest.pick({ reason: true, rollback: true }).shape);

const StepParams = RunIdParams.extend({ stepId: StepId });

/** What an accepted operator message answers: the run's state right after it took effect. */
export const ControlAnswer = ControlResult.meta({ id: 'ControlAnswer' });

const answers = {
  200: { description: 'Accepted; `state` is the run right after it took effect.', schema: ControlAnswer },
  400: {
    description:
      'The request does not fit the schema (`urn:lifeboat:problem:invalid-request`), or the run has no such step or the step is ' +
      'not of the kind the operation acts on (`urn:lifeboat:problem:invalid`).',
  },
  403: { description: 'Not allowed: the caller lacks an approver role the step names, or approves their own run.' },
  404: { description: 'No such run.' },
  409: { description: 'The run is not waiting for this (already decided, not at this step, or ended).' },
};

/** Humans in the loop: approve, reject, complete, skip, retry and decide steps; pause, resume and abort runs. */
export function controlRouter(runs: RunService): Router {
  const router = Router();

  // Every operation sends one update; the workflow validates it (roles, self-approval, state) and answers at once.
  const step = <B extends z.ZodType>(o: {
    name: string;
    operationId: string;
    summary: string;
    access: Access;
    body: B;
    example?: unknown;
    send: (runId: string, body: Parsed<B>, who: { stepId: string; actor: string; roles: string[] }) => Promise<unknown>;
  }) =>
    addRoute(
      router,
      {
        method: 'post',
        path: `/runs/:id/steps/:stepId/${o.name}`,
        operationId: o.operationId,
        tag: 'control',
        access: o.access,
        summary: o.summary,
        params: StepParams,
        body: o.body,
        bodyExample: o.example,
        responses: answers,
      },
      async ({ params, body, req, res }) => {
        const p = principal(req);
        res.json(await o.send(params.id, body, { stepId: params.stepId, actor: p.subject, roles: p.roles }));
      },
    );

  step({
    name: 'approve',
    operationId: 'approveStep',
    access: 'authenticated',
    body: ApproveBody,
    example: { comment: 'replica lag is 0, go' },
    summary: "Approve an approval step (the workflow checks the step's approver roles and self-approval)",
    send: (id, b, who) => runs.control(id, approveStepUpdate, { ...b, ...who, decision: 'approve' }),
  });
  step({
    name: 'reject',
    operationId: 'rejectStep',
    access: 'authenticated',
    body: ApproveBody,
    example: { comment: 'not during the sale' },
    summary: 'Reject an approval step',
    send: (id, b, who) => runs.control(id, approveStepUpdate, { ...b, ...who, decision: 'reject' }),
  });
  step({
    name: 'complete',
    operationId: 'completeManualStep',
    access: 'operator',
    body: CompleteBody,
    example: { outcome: 'done', note: 'switched the VIP', evidence: ['https://tickets.example.com/INC-42'] },
    summary: 'Report a manual task done or failed',
    send: (id, b, who) => runs.control(id, completeManualUpdate, { ...b, ...who }),
  });
  step({
    name: 'skip',
    operationId: 'skipStep',
    access: 'operator',
    body: SkipBody,
    example: { reason: 'done by hand already' },
    summary: 'Skip a step (a reason is required)',
    send: (id, b, who) => runs.control(id, skipStepUpdate, { ...b, ...who }),
  });
  step({
    name: 'retry',
    operationId: 'retryStep',
    access: 'operator',
    body: RetryBody,
    example: { reason: 'the API is back' },
    summary: 'Retry a failed step',
    send: (id, b, who) => runs.control(id, retryStepUpdate, { ...b, ...who }),
  });
  step({
    name: 'decide',
    operationId: 'decideStep',
    access: 'operator',
    body: DecideBody,
    example: { decision: 'retry', reason: 'transient' },
    summary: 'Decide what a step that failed with onFailure: ask does next',
    send: (id, b, who) => runs.control(id, decideStepUpdate, { ...b, ...who }),
  });

  const run = <B extends z.ZodType>(o: {
    name: string;
    operationId: string;
    summary: string;
    body: B;
    example?: unknown;
    send: (runId: string, body: Parsed<B>, who: { actor: string; roles: string[] }) => Promise<unknown>;
  }) =>
    addRoute(
      router,
      {
        method: 'post',
        path: `/runs/:id/${o.name}`,
        operationId: o.operationId,
        tag: 'control',
        access: 'operator',
        summary: o.summary,
        params: RunIdParams,
        body: o.body,
        bodyExample: o.example,
        responses: answers,
      },
      async ({ params, body, req, res }) => {
        const p = principal(req);
        res.json(await o.send(params.id, body, { actor: p.subject, roles: p.roles }));
      },
    );

  run({
    name: 'pause',
    operationId: 'pauseRun',
    body: RunControlBody,
    example: { reason: 'waiting for the vendor' },
    summary: 'Pause a run: no new step starts until it is resumed',
    send: (id, b, who) => runs.control(id, pauseRunUpdate, { ...b, ...who }),
  });
  run({
    name: 'resume',
    operationId: 'resumeRun',
    body: RunControlBody,
    summary: 'Resume a paused run',
    send: (id, b, who) => runs.control(id, resumeRunUpdate, { ...b, ...who }),
  });
  run({
    name: 'abort',
    operationId: 'abortRun',
    body: AbortBody,
    example: { reason: 'false alarm', rollback: true },
    summary: 'Abort a run, optionally rolling back the steps that ran',
    send: (id, b, who) => runs.control(id, abortRunUpdate, { ...b, ...who }),
  });

  return router;
}
