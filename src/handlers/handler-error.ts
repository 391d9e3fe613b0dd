/** Throw from a handler to say when to try again (for example from an HTTP `Retry-After`). */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}
