import { patched } from '@temporalio/workflow';
import { PATCH, type PatchId } from '../contract/names';

/** Whether a workflow change applies to this run (a `patched()` id of PATCH). */
export type Patches = (id: PatchId) => boolean;

/**
 * The run's workflow changes. A run started since PATCH.boundedPayloads has every change before it by that one marker,
 * instead of a marker and a search-attribute upsert each (Temporal records TemporalChangeVersion for every patch); a
 * run started before it replays the markers it recorded (PATCH.leanSteps, PATCH.bufferedSteps and PATCH.carriedRecords each implying
 * those before them).
 * Called once, first thing in the workflow: `patched()` answers false while replaying a history without the marker,
 * so the answers are kept.
 */
export function runPatches(): Patches {
  const newest = patched(PATCH.boundedPayloads);
  const lean = newest || patched(PATCH.leanSteps);
  const buffered = lean || patched(PATCH.bufferedSteps);
  const carried = buffered || patched(PATCH.carriedRecords);
  return (id) => (id === PATCH.boundedPayloads ? newest : id === PATCH.leanSteps ? lean : id === PATCH.bufferedSteps ? buffered : carried || patched(id));
}
