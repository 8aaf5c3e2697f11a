import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE } from '../contract/names';
import { GRPC, grpcCode, grpcDetails } from './errors';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;
const Indexed = temporal.api.enums.v1.IndexedValueType;

const INDEXED: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: Indexed.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: Indexed.INDEXED_VALUE_TYPE_KEYWORD,
  INT: Indexed.INDEXED_VALUE_TYPE_INT,
  DOUBLE: Indexed.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: Indexed.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: Indexed.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: Indexed.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
// The names `temporal operator search-attribute create --type` takes.
const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** What `ensureSearchAttributes` found already registered and what it registered. */
export interface SearchAttributeSetup {
  namespace: string;
  found: string[];
  created: string[];
}

/** Lifeboat's search attributes cannot be used in the namespace; the message is one line saying why and the fix. */
export class SearchAttributeSetupError extends Error {
  override name = 'SearchAttributeSetupError';
}

/**
 * Makes sure every key of SEARCH_ATTRIBUTE is registered in `namespace` with its type, registering the missing
 * ones, and returns once the server lists them all. Safe to run from several processes at once: an attribute
 * another process registered meanwhile counts as found.
 */
export async function ensureSearchAttributes(operator: OperatorService, namespace: string, o: { timeoutMs?: number } = {}): Promise<SearchAttributeSetup> {
  const wanted = Object.values(SEARCH_ATTRIBUTE);
  const first = await listCustom(operator, namespace, wanted[0]!.name);
  for (const key of wanted) {
    const have = first[key.name];
    if (have !== undefined && have !== INDEXED[key.type]) {
      throw new SearchAttributeSetupError(
        `search attribute ${key.name} exists in namespace ${namespace} as ${typeName(have)}, but Lifeboat needs ${CLI_TYPE[key.type]}: ` +
          'remove it or use another namespace (TEMPORAL_NAMESPACE)',
      );
    }
  }
  const found = wanted.filter((k) => first[k.name] !== undefined).map((k) => k.name);
  const missing = wanted.filter((k) => first[k.name] === undefined);
  for (const key of missing) {
    try {
      await operator.addSearchAttributes({ namespace, searchAttributes: { [key.name]: INDEXED[key.type] } });
    } catch (err) {
      // Another worker registered it between our list and our add (ALREADY_EXISTS, or a conflicting update of the
      // namespace on SQL visibility): that is the outcome we want.
      if (grpcCode(err) === GRPC.alreadyExists) continue;
      const now = await listCustom(operator, namespace, key.name);
      if (now[key.name] !== INDEXED[key.type]) throw new SearchAttributeSetupError(cannotAdd(key.name, CLI_TYPE[key.type], namespace, err));
    }
  }
  // The server answers the add before every frontend uses the new mapping; a run started too early is refused.
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const now = await listCustom(operator, namespace, missing[0]?.name ?? wanted[0]!.name);
    const absent = missing.filter((k) => now[k.name] !== INDEXED[k.type]);
    if (absent.length === 0) break;
    if (Date.now() > deadline) {
      throw new SearchAttributeSetupError(
        `search attribute ${absent[0]!.name} was added to namespace ${namespace} but the server still does not list it after ${(o.timeoutMs ?? 30_000) / 1000}s`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { namespace, found, created: missing.map((k) => k.name) };
}

function typeName(t: temporal.api.enums.v1.IndexedValueType): string {
  const type = (Object.keys(INDEXED) as SearchAttributeType[]).find((k) => INDEXED[k] === t);
  return type ? CLI_TYPE[type] : String(t);
}

async function listCustom(operator: OperatorService, namespace: string, attribute: string): Promise<Record<string, temporal.api.enums.v1.IndexedValueType>> {
  try {
    return (await operator.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    throw new SearchAttributeSetupError(
      `cannot check search attribute ${attribute} in namespace ${namespace}: ${permissionOr(err, 'list search attributes (OperatorService/ListSearchAttributes)')}`,
    );
  }
}

/** The one line naming the attribute, the namespace, the permission lacking (when that is the cause) and the fix. */
export function cannotAdd(attribute: string, type: string, namespace: string, err: unknown): string {
  return (
    `cannot register search attribute ${attribute} (${type}) in namespace ${namespace}: ` +
    `${permissionOr(err, 'add search attributes (OperatorService/AddSearchAttributes)')}; ` +
    `have an administrator run 'temporal operator search-attribute create --namespace ${namespace} --name ${attribute} --type ${type}' ` +
    `(on Temporal Cloud: 'tcld namespace search-attributes add' or the Cloud UI), then start again`
  );
}

function permissionOr(err: unknown, permission: string): string {
  const code = grpcCode(err);
  const said = grpcDetails(err);
  if (code === GRPC.permissionDenied || code === GRPC.unauthenticated) return `the credentials lack the permission to ${permission} (${said})`;
  if (code === GRPC.unimplemented) return `the server does not let clients ${permission} (${said})`;
  return said;
}
