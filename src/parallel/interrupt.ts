/**
 * The process's interrupt: a signal (SIGINT, SIGTERM) is one for the whole process, so the command line
 * registers it once here and every run the pool starts honours it, however deep in a sweep or comparison
 * it was asked for. A library user who never sets it gets runs that are never interrupted.
 */
let processInterrupt: AbortSignal | undefined;

/** Runs started from now on stop when `signal` aborts. */
export function interruptRunsOn(signal: AbortSignal): void {
  processInterrupt = signal;
}

/** The interrupt runs honour, if one was set. */
export function runInterrupt(): AbortSignal | undefined {
  return processInterrupt;
}
