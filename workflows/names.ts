/** Task-queue names and search-attribute keys, shared by the workflow, the worker, the API and the servers. */
export const DEFAULT_TASK_QUEUE = 'lifeboat';

/** Custom search attributes every run carries, so `temporal workflow list` can filter runs. */
export const SEARCH_ATTRIBUTES = {
  runbookId: 'LifeboatRunbookId',
  mode: 'LifeboatMode',
  status: 'LifeboatStatus',
} as const;

/** Keyword is the type of all three; they are registered at server start (dev) or by the worker (clusters). */
export const SEARCH_ATTRIBUTE_TYPE = 'Keyword';
