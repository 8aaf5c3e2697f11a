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
  403: {
    description:
      'Not allowed; `rule` says why: `four-eyes` (no approver role the step names, approving or overriding an approval of their own run, an override without a reason) or `signed-identity`.',
  },
  404: { description: 'No such run.' },
  409: { description: 'The run is not waiting for this (already decided, not at this step, or ended); `rule: distinct-approvers` when the same person decides twice.' },
};

type Who = { actor: string; roles: string[] };

/** An operator message on a step: its body schema, who may send it, and the update it sends. */
export interface StepControlOp<B extends z.ZodType = z.ZodType> {
  name: string;
  operationId: string;
  summary: string;
  access: Access;
  body: B;
  example?: unknown;
  send: (runs: RunService, runId: string, body: Parsed<B>, who: Who & { stepId: string }) => Promise<ControlResult>;
}

/** An operator message on a whole run (always the operator role). */
export interface RunControlOp<B extends z.ZodType = z.ZodType> {
  name: string;
  operationId: string;
  summary: string;
  body: B;
  example?: unknown;
  send: (runs: RunService, runId: string, body: Parsed<B>, who: Who) => Promise<ControlResult>;
}

// Typed one by one, then listed: each `send` sees its own body type. The console sends the same operations.
// The erasure is sound because a route (API or console) parses the body with `o.body` before it calls `o.send`.
const stepOp = <B extends z.ZodType>(o: StepControlOp<B>): StepControlOp => o as unknown as StepControlOp;
const runOp = <B extends z.ZodType>(o: RunControlOp<B>): RunControlOp => o as unknown as RunControlOp;

/** Approve, reject, complete, skip, retry and decide: POST /runs/:id/steps/:stepId/<name>. */
export const STEP_CONTROLS: readonly StepControlOp[] = [
  stepOp({
    name: 'approve',
    operationId: 'approveStep',
    access: 'authenticated',
    body: ApproveBody,
    example: { comment: 'replica lag is 0, go' },
    summary: "Approve an approval step (the workflow checks the step's approver roles and self-approval)",
    send: (runs, id, b, who) => runs.control(id, approveStepUpdate, { ...b, ...who, decision: 'approve' }),
  }),
  stepOp({
    name: 'reject',
    operationId: 'rejectStep',
    access: 'authenticated',
    body: ApproveBody,
    example: { comment: 'not during the sale' },
    summary: 'Reject an approval step',
    send: (runs, id, b, who) => runs.control(id, approveStepUpdate, { ...b, ...who, decision: 'reject' }),
  }),
  stepOp({
    name: 'complete',
    operationId: 'completeManualStep',
    access: 'operator',
    body: CompleteBody,
    example: { outcome: 'done', note: 'switched the VIP', evidence: ['https://tickets.example.com/INC-42'] },
    summary: 'Report a manual task done or failed',
    send: (runs, id, b, who) => runs.control(id, completeManualUpdate, { ...b, ...who }),
  }),
  stepOp({
    name: 'skip',
    operationId: 'skipStep',
    access: 'operator',
    body: SkipBody,
    example: { reason: 'done by hand already' },
    summary: 'Skip a step (a reason is required)',
    send: (runs, id, b, who) => runs.control(id, skipStepUpdate, { ...b, ...who }),
  }),
  stepOp({
    name: 'retry',
    operationId: 'retryStep',
    access: 'operator',
    body: RetryBody,
    example: { reason: 'the API is back' },
    summary: 'Retry a failed step',
    send: (runs, id, b, who) => runs.control(id, retryStepUpdate, { ...b, ...who }),
  }),
  stepOp({
    name: 'decide',
    operationId: 'decideStep',
    access: 'operator',
    body: DecideBody,
    example: { decision: 'retry', reason: 'transient' },
    summary: 'Decide what a step that failed with onFailure: ask does next',
    send: (runs, id, b, who) => runs.control(id, decideStepUpdate, { ...b, ...who }),
  }),
];

/** Pause, resume and abort: POST /runs/:id/<name>. */
export const RUN_CONTROLS: readonly RunControlOp[] = [
  runOp({
    name: 'pause',
    operationId: 'pauseRun',
    body: RunControlBody,
    example: { reason: 'waiting for the vendor' },
    summary: 'Pause a run: no new step starts until it is resumed',
    send: (runs, id, b, who) => runs.control(id, pauseRunUpdate, { ...b, ...who }),
  }),
  runOp({
    name: 'resume',
    operationId: 'resumeRun',
    body: RunControlBody,
    summary: 'Resume a paused run',
    send: (runs, id, b, who) => runs.control(id, resumeRunUpdate, { ...b, ...who }),
  }),
  runOp({
    name: 'abort',
    operationId: 'abortRun',
    body: AbortBody,
    example: { reason: 'false alarm', rollback: true },
    summary: 'Abort a run, optionally rolling back the steps that ran',
    send: (runs, id, b, who) => runs.control(id, abortRunUpdate, { ...b, ...who }),
  }),
];

/** Humans in the loop: approve, reject, complete, skip, retry and decide steps; pause, resume and abort runs. */
export function controlRouter(runs: RunService): Router {
  const router = Router();

  // Every operation sends one update; the workflow validates it (roles, self-approval, state) and answers at once.
  for (const o of STEP_CONTROLS) {
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
        res.json(await o.send(runs, params.id, body, { stepId: params.stepId, actor: p.subject, roles: p.roles }));
      },
    );
  }

  for (const o of RUN_CONTROLS) {
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
        res.json(await o.send(runs, params.id, body, { actor: p.subject, roles: p.roles }));
      },
    );
  }

  return router;
}
