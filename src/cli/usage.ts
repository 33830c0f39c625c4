/**
 * The error for anything the user can fix, in a module of its own: the command table and the entry point
 * import it, and must not load the scenario loader (zod, every profile) for `--help` or `--version`.
 */

/** Thrown for anything the user can fix: printed without a stack, exit code 2. */
export class UsageError extends Error {}
