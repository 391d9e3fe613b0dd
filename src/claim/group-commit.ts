/**
 * Group commit: concurrent writes to one ledger shard share one transaction, and so one durable commit,
 * instead of one each. A job joins the group that is open; the group runs at the next turn of the event
 * loop, each job in its own nested transaction (a savepoint), so one failing job fails alone. Callers get
 * their results when the group has run; the Durable Object's output gate holds every reply until the
 * commit is durable, so no caller hears "accepted" before its row is. Measured in bench/README.md.
 */

type Job = { run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export class GroupCommit {
  private jobs: Job[] = [];

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Called after each group with how many jobs it ran. */
    private readonly afterCommit: () => void,
  ) {}

  /** Runs `job` in the next group's transaction; resolves with its result. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      if (this.jobs.length === 1) setTimeout(() => this.flush(), 0);
    });
  }

  private flush(): void {
    const jobs = this.jobs;
    this.jobs = [];
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.storage.transactionSync(() => {
        for (const job of jobs) {
          try {
            results.push({ ok: true, value: this.storage.transactionSync(job.run) });
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
