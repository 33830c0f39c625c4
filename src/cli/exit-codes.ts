/** Three kinds of failure, three exit codes (and 0 for success). */
export const ExitCode = {
  ok: 0,
  /** A run finished and an expectation failed. */
  expectationFailed: 1,
  /** Bad input: an invalid scenario file or command line. */
  badInput: 2,
  /** queuesim itself broke an invariant: a bug to report. */
  internalError: 70,
} as const;
