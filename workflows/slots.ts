import { CancellationScope, sleep, workflowInfo } from '@temporalio/workflow';
import { TASK_REQUEST_BYTES } from '../runs/outputs';

// How many steps a run keeps in flight (PATCH.bufferedSteps). While a workflow task runs, the server buffers what
// happens meanwhile and past 100 buffered events (history.maximumBufferedEventsBatch) force-closes the task, whose
// worker then replays the whole history while more completions buffer: a cascade (measured: 44 of 141 tasks at 5,000
// parallel fast steps). A step that ends adds at most two events, so steps start in waves of at most 40 per pass.
// Fast steps end in the next few tasks, and their run keeps 40 in flight. Slow steps (a failover that takes
// minutes) must not queue behind 40 others: while steps wait for a slot, every 2 s of workflow time in which fewer
// than 20 steps ended opens 40 more slots, up to 300, so 100 slow parallel steps all run within about 4 s. Waves
// started 2 s apart also end apart, so their completions reach a task a wave at a time.
const WAVE = 40;
const MAX = 300;
const WINDOW_MS = 2000;

/** The run's step slots: how many may run, how many may start in one scheduler pass. */
export class StepSlots {
  private limit = WAVE;
  private endedInWindow = 0;
  private armed = false;
  /** The window's timer runs in a scope of its own, cancelled when the scheduler stops (the run ends or continues). */
  private scope?: CancellationScope;
  /** Bumped when the window's timer has opened slots: the scheduler waits on it as on a store change. */
  wakes = 0;
  /** The workflow task (its history length when it started) the starts below were counted in. */
  private task = -1;
  private startedInTask = 0;
  /** The JSON bytes of the requests of the steps started in this workflow task (PATCH.boundedPayloads). */
  private bytesInTask = 0;

  /** Whether one more step may start now, with `running` running and `startedThisPass` started by this pass. */
  room(running: number, startedThisPass: number): boolean {
    return running < this.limit && startedThisPass < WAVE && this.bytesInTask < TASK_REQUEST_BYTES;
  }

  /**
   * How many steps started in this workflow task (PATCH.leanSteps counts the wave per task, not per pass: one task
   * may hold several passes). A task is known by its history length, the same for every activation of one task and
   * larger for the next.
   */
  startedThisTask(): number {
    const at = workflowInfo().historyLength;
    if (at !== this.task) {
      this.task = at;
      this.startedInTask = 0;
      this.bytesInTask = 0;
    }
    return this.startedInTask;
  }

  /** A step started (PATCH.leanSteps: counted for startedThisTask). */
  started(): void {
    this.startedInTask++;
  }

  /** A step started this task sends a request this large (0 unless the run bounds requests: PATCH.boundedPayloads). */
  requested(bytes: number): void {
    this.bytesInTask += bytes;
  }

  /** A step's run ended (its slot is free). */
  ended(): void {
    this.endedInWindow++;
  }

  /** Ready steps wait for a slot: time a window, unless one is timing. */
  waiting(): void {
    if (this.armed) return;
    this.armed = true;
    this.endedInWindow = 0;
    const scope = (this.scope = new CancellationScope());
    // Cancelled (close(), or the run aborted), the timer just stops.
    scope
      .run(() => sleep(WINDOW_MS))
      .then(
        () => {
          this.armed = false;
          if (this.endedInWindow < WAVE / 2) this.limit = Math.min(MAX, this.limit + WAVE);
          this.wakes++;
        },
        () => void (this.armed = false),
      );
  }

  /** The scheduler stopped: a window still timing is cancelled, so no timer outlives the run's last task. */
  close(): void {
    if (this.armed) this.scope?.cancel();
  }
}
