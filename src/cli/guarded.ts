import { BudgetExceeded } from "../engine/simulation.js";
import { ExitCode } from "./exit-codes.js";
import { Interrupted, interruption, listenForInterrupts } from "./interrupt.js";
import { fileSystemReason } from "./paths.js";
import { UsageError } from "./usage.js";

/**
 * Runs a command as the process's work: a closed pipe ends output quietly, SIGINT/SIGTERM are heard, and the
 * exit code is the command's own or its failure's (see exitCodeOf). Shared by the full command line and
 * bin.ts's quick path, so both end the same way.
 */
export async function runGuarded(command: () => number | Promise<number>): Promise<void> {
  // A closed pipe (`queuesim run x | head`) ends output quietly rather than with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  listenForInterrupts();
  process.exitCode = await exitCodeOf(command);
}

/** Runs a command and returns its exit code, every failure turned into a message on stderr. */
export async function exitCodeOf(command: () => number | Promise<number>): Promise<number> {
  try {
    const exitCode = await command();
    // A signal during work that does not pause (writing a report) ends the command after it, still as interrupted.
    if (interruption.aborted) throw interruption.reason;
    return exitCode;
  } catch (error) {
    return reportFailure(error);
  }
}

/** The message and exit code for a command that failed: 130/143 interrupted, 2 the user's to fix, 70 a bug. */
function reportFailure(error: unknown): number {
  if (error instanceof Interrupted || interruption.aborted) {
    const reason = interruption.reason as Interrupted;
    console.error(reason.message);
    return reason.exitCode;
  }
  // A run that outgrew its events or memory budget (here or in a worker) names the limit in its message.
  if (error instanceof UsageError || error instanceof BudgetExceeded) {
    console.error(error.message);
    return ExitCode.badInput;
  }
  if (isFileSystemError(error)) {
    // A path that passed the checks before the run and failed at the write (a full disk, a folder removed
    // meanwhile): the user's environment, said in a line, not a stack trace.
    console.error(`cannot ${error.syscall} ${error.path ?? ""}: ${fileSystemReason(error)}`);
    return ExitCode.badInput;
  }
  console.error("queuesim hit an internal error; this is a bug, please report it with the scenario file:");
  console.error(error);
  return ExitCode.internalError;
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { syscall: string } {
  const candidate = error as NodeJS.ErrnoException | undefined;
  return typeof candidate?.code === "string" && typeof candidate.syscall === "string";
}
