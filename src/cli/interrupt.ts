/**
 * Ctrl-C (SIGINT) and SIGTERM: the run in progress stops at its next pause between events, worker threads
 * are terminated, temporaries are removed by the code that made them (the trace's .tmp, a report's
 * staging folder) as the interruption unwinds, and the process exits 130 or 143 (128 + the signal's
 * number, as a shell reports a process killed by it). A second signal ends the process at once.
 */
import { interruptRunsOn } from "../parallel/interrupt.js";
import { writeReportFiles } from "../report/write.js";

/** The interruption, carried as the abort reason through every run it stops. */
export class Interrupted extends Error {
  constructor(
    readonly signal: "SIGINT" | "SIGTERM",
    readonly exitCode: number,
  ) {
    super(`interrupted by ${signal}: stopped, temporary files removed, no report written for the unfinished work`);
  }
}

const controller = new AbortController();

/** Aborted when the first SIGINT or SIGTERM arrives. */
export const interruption: AbortSignal = controller.signal;

/** Installs the handlers, once per process; the runs the pool starts honour them from then on. */
export function listenForInterrupts(): void {
  interruptRunsOn(interruption);
  const signals = [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const;
  const handlers = signals.map(([name, exitCode]) => {
    const handler = () => {
      // The next signal takes Node's default action, ending the process at once.
      for (const [other, h] of handlers) process.off(other, h);
      controller.abort(new Interrupted(name, exitCode));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
}

/**
 * Writes a report's files (atomically, src/report/write.ts) unless a signal came while they were being
 * made: charts render asynchronously, and a report is not written after the user asked to stop.
 */
export function writeReportUnlessInterrupted(directory: string, files: Record<string, string | Uint8Array>): void {
  interruption.throwIfAborted();
  writeReportFiles(directory, files);
}
