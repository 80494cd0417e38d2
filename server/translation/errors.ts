/** Why a translation could not be served; the HTTP layer maps each code to a status. */
export type TranslationErrorCode =
  | 'unknown-model'
  | 'unknown-language'
  | 'unsupported-direction'
  /** A request option this server's configuration cannot serve (a beam width under the pipeline decoder). */
  | 'unsupported-option'
  | 'queue-full'
  | 'model-unavailable'
  | 'worker-failed'
  | 'deadline-exceeded'
  | 'cancelled';

export class TranslationError extends Error {
  override name = 'TranslationError';

  constructor(
    readonly code: TranslationErrorCode,
    message: string,
    /** For queue-full and model-unavailable: when a retry is likely to be admitted. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function isTranslationError(err: unknown): err is TranslationError {
  return err instanceof TranslationError;
}

/** The reason an AbortSignal carries when our own deadline fired, so it can be told apart from a client hang-up. */
export function deadlineExceeded(deadlineMs: number): TranslationError {
  return new TranslationError('deadline-exceeded', `The translation did not finish within ${deadlineMs} ms.`);
}

export function cancelled(): TranslationError {
  return new TranslationError('cancelled', 'The client went away before the translation finished.');
}

/** Turns whatever an aborted signal carries into a TranslationError. */
export function abortReason(signal: AbortSignal): TranslationError {
  return isTranslationError(signal.reason) ? signal.reason : cancelled();
}

/** What requests still waiting get when the server stops: a 503 with Retry-After, so that clients retry elsewhere. */
export function shuttingDown(): TranslationError {
  return new TranslationError('model-unavailable', 'The server is shutting down; retry the request.', 1);
}
