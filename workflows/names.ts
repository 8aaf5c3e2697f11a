// TODO(lead): remove once workflows/ imports contract/
// A shim for workflows/ only (zod-free, as the bundle loads it): the keys live in contract/names SEARCH_ATTRIBUTE.
import { SEARCH_ATTRIBUTE } from '../contract/names';

/** The search-attribute names, for the untyped `searchAttributes` / `upsertSearchAttributes` forms. */
export const SEARCH_ATTRIBUTES = {
  runbookId: SEARCH_ATTRIBUTE.runbookId.name,
  mode: SEARCH_ATTRIBUTE.mode.name,
  status: SEARCH_ATTRIBUTE.status.name,
};
