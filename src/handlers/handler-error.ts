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

/** Throw from a handler when retrying cannot help: the event is dead-lettered at once (an operator can redrive it). */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GiveUp";
  }
}
