/** A failure a caller of a domain service must see, classified so each front end (HTTP, CLI) can map it. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: 'not-found' | 'invalid' | 'conflict' | 'forbidden' | 'unavailable',
    message: string,
    readonly issues: Array<{ path: string; message: string; line?: number }> = [],
    /** The rule that refused it (contract/names RULE: four-eyes, signed-identity…), when one did. */
    readonly rule?: string,
  ) {
    super(message);
  }
}
