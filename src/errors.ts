/**
 * The catalogue of Vigie's errors. Each has a stable code (for scripts and the API) and every error
 * says how to fix the problem, not only what went wrong.
 */

/** ERROR_CODES lists every stable error code with what it means. */
export const ERROR_CODES = {
  USAGE: 'the command line is not one Vigie understands',
  FILE_NOT_FOUND: 'a file named on the command line does not exist or cannot be read',
  RUNBOOK_SYNTAX: 'a runbook file is not well-formed YAML',
  RUNBOOK_INVALID: 'a runbook file does not follow the runbook model',
  RUNBOOK_TOO_LARGE: 'a runbook file is larger than Vigie accepts',
  IMPORT_TOO_LARGE: 'a document to import is larger than Vigie accepts',
  IMPORT_BINARY: 'a document to import is a binary file',
  IMPORT_INTERNAL: 'the importer produced a model that does not validate (a bug in Vigie)',
  STORE_OPEN_FAILED: 'the store file cannot be opened',
  STORE_TOO_NEW: 'the store file was written by a newer Vigie',
  STORE_MIGRATION_FAILED: 'a store migration failed; the file is left at its previous version',
  STORE_WRITE_FAILED: 'writing observations to the store failed; they stay buffered for the next flush',
  API_UNAUTHENTICATED: 'an API request carries no token, or one Vigie does not know',
  API_FORBIDDEN: "the request's token has a role that may not do this",
  API_NOT_FOUND: 'the API has no such route or resource',
  API_CONFLICT: "the resource's state does not allow the request (acknowledging a resolved incident)",
  API_BAD_REQUEST: 'the request body or parameters are malformed',
  API_TOO_LARGE: 'the request body is larger than Vigie accepts',
  API_CSRF: 'a state-changing request from a browser session came without its CSRF token',
} as const;

/** ErrorCode is one of the catalogue's codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** VigieError is an error with a stable code and a sentence saying how to fix it. */
export class VigieError extends Error {
  readonly code: ErrorCode;
  readonly fix: string;
  constructor(code: ErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigieError';
    this.code = code;
    this.fix = fix;
  }
}

/**
 * describeError gives a vendor's or the system's error as one line: its message with its code
 * (`ECONNREFUSED`, `CERT_HAS_EXPIRED`) when the message lacks it, for wrapping while keeping its words.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A connect that tried several addresses fails with an AggregateError whose own message is empty.
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  const message = error.message || (first instanceof Error ? first.message : '') || error.name;
  const code = (error as NodeJS.ErrnoException).code;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
