/**
 * Group commit: concurrent writes to one ledger shard share one transaction, and so one durable commit,
 * instead of one each. A job joins the group that is open; the group runs at the next turn of the event
 * loop, or as soon as the group before it has committed. A group first stages what its jobs carry
 * (`stage`: the accepted requests are written to R2 as one segment), then runs each job in its own nested
 * transaction (a savepoint), so one failing job fails alone. Callers get their results when the group has
 * run; the Durable Object's output gate holds every reply until the commit is durable, so no caller hears
 * "accepted" before its row is. Measured in bench/README.md.
 */

type Job<P, S> = {
  payload: P | undefined;
  run: (staged: S | undefined) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/** Prepares a group's payloads before its transaction; one result per payload (an Error fails its job). */
export type Stage<P, S> = (payloads: (P | undefined)[]) => Promise<(S | Error | undefined)[]>;

export class GroupCommit<P = never, S = never> {
  private jobs: Job<P, S>[] = [];
  private running = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Called after each group has committed. */
    private readonly afterCommit: () => void,
    private readonly stage: Stage<P, S> = async (payloads) => payloads.map(() => undefined),
  ) {}

  /** Runs `job` in the next group's transaction with what staging made of `payload`; resolves with its result. */
  run<T>(job: (staged: S | undefined) => T, payload?: P): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ payload, run: job, resolve: resolve as (value: unknown) => void, reject });
      if (this.jobs.length === 1 && !this.running) setTimeout(() => void this.flush(), 0);
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    const jobs = this.jobs;
    this.jobs = [];
    try {
      await this.commit(jobs);
    } finally {
      this.running = false;
      if (this.jobs.length > 0) setTimeout(() => void this.flush(), 0);
    }
  }

  private async commit(jobs: Job<P, S>[]): Promise<void> {
    let staged: (S | Error | undefined)[];
    try {
      staged = await this.stage(jobs.map((job) => job.payload));
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.storage.transactionSync(() => {
        for (const [index, job] of jobs.entries()) {
          const input = staged[index];
          try {
            if (input instanceof Error) throw input;
            results.push({ ok: true, value: this.storage.transactionSync(() => job.run(input)) });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, index) => {
      const result = results[index];
      if (result?.ok) job.resolve(result.value);
      else job.reject(result?.error);
    });
    this.afterCommit();
  }
}
