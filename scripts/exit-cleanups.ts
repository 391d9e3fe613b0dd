/**
 * Cleanup that runs on every exit path of a long-running script (the crash test, the soak, the bench):
 * its normal end, a failure, an uncaught error (exit 2) and SIGINT/SIGTERM/SIGHUP (exit 130). Cleanups run
 * once, newest first, and one that fails is reported without stopping the others.
 */
export interface Cleanup {
  name: string;
  run: () => Promise<unknown>;
}

export function cleanUpOnEveryExit(label: string): {
  cleanups: Cleanup[];
  exitWith: (code: number) => Promise<never>;
  /** True once cleanup has started: start nothing new then (a runtime started now would be orphaned). */
  exiting: () => boolean;
} {
  const cleanups: Cleanup[] = [];
  let exiting = false;
  const exitWith = async (code: number): Promise<never> => {
    if (!exiting) {
      exiting = true;
      for (const { name, run } of cleanups.splice(0).reverse()) {
        try {
          await run();
        } catch (error) {
          console.error(
            `  (cleanup of ${name} failed: ${error instanceof Error ? error.message : String(error)})`,
          );
        }
      }
    }
    process.exit(code);
  };
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error) => {
      console.error(`\n${label}: ${event}: ${error instanceof Error ? error.stack : String(error)}`);
      void exitWith(2);
    });
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\n${label}: ${signal}, cleaning up`);
      void exitWith(130);
    });
  }
  return { cleanups, exitWith, exiting: () => exiting };
}
