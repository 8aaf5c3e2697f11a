// HTML forms send strings; the API's body schemas take typed JSON. This turns one into the other and nothing more:
// the schema (the same one the API uses) then validates, so a form is refused exactly where the API would be.

const TEXT = ['comment', 'note', 'reason', 'decision', 'outcome'] as const;
const CHECKBOXES = ['fresh', 'rollback'] as const;

/** A submitted form: its raw fields, and the body an operation's schema reads. */
export interface Form {
  readonly raw: Readonly<Record<string, string>>;
  /** The message body: non-empty text fields, evidence links one a line, ticked checkboxes as true. */
  fields(op: string): Record<string, unknown>;
  readonly _csrf?: string;
  readonly [name: string]: unknown;
}

/** Reads express.urlencoded's output (a field sent twice keeps its last value). */
export function formBody(body: unknown): Form {
  const raw: Record<string, string> = {};
  if (typeof body === 'object' && body !== null) {
    for (const [k, v] of Object.entries(body)) {
      const last: unknown = Array.isArray(v) ? v[v.length - 1] : v;
      if (typeof last === 'string') raw[k] = last;
    }
  }
  const fields = () => {
    const out: Record<string, unknown> = {};
    for (const k of TEXT) if (raw[k]?.trim()) out[k] = raw[k].trim();
    for (const k of CHECKBOXES) if (raw[k] !== undefined) out[k] = true;
    const links = (raw.evidence ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (links.length) out.evidence = links;
    return out;
  };
  return { ...raw, raw, fields };
}
