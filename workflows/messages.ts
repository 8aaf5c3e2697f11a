import { defineQuery } from '@temporalio/workflow';
import type { RunState } from '../runs/types';

/** Live state: each step's status, attempts and times, and what the run is waiting for. */
export const runStateQuery = defineQuery<RunState>('runState');
