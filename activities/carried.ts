import type { TimelineEvent } from '../timeline/event';

// What a step's activity stores for its run beside its own work (workflows/engine.ts, PATCH.carriedRecords): the
// timeline events the workflow has not stored yet and the run's first record, so a run of steps needs no activity of
// its own for them. A leaf module: the step activities' types (imported by actions/) must not reach the language.

/** The last seq and hash of a run's stored timeline, as the store answered. */
export interface StoredHead {
  seq: number;
  hash: string;
}

/** What the workflow hands a step's activity to store. */
export interface CarriedRecords {
  runId: string;
  /** Consecutive events from the first the workflow does not know stored. */
  events?: TimelineEvent[];
  /** The head the workflow last heard of: the store appends after it without reading it first. */
  head?: StoredHead;
  /** The run's first record (a RunRecord, parsed by the activity: this module stays below the language). */
  record?: unknown;
}

/**
 * What was stored while the step's work ran. Absent fields were not stored (the store failed or was slow): the
 * workflow writes them itself. `anchor` is the signed head, kept in history like an appendTimelineEvents answer.
 */
export interface CarriedAnswer {
  head?: StoredHead;
  anchor?: unknown;
  record?: boolean;
}

/** Stores what a step's activity carries; never throws and never takes long (activities/record.ts). */
export type Carry = (records: CarriedRecords | undefined) => Promise<CarriedAnswer | undefined>;
