// TODO(lead): remove once workflows/ imports contract/
// A shim for workflows/ only: the definitions live in contract/messages (zod-free).
export * from '../contract/messages';
