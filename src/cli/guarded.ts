import { ExitCode } from "./exit-codes.js";
import { UsageError } from "./usage.js";

/**
 * Runs a command and sets the process's exit code: the command's own; badInput with the message alone for a
 * UsageError; internalError with the stack for anything else, which is our bug. Shared by the full command
 * line and bin.ts's quick path, so both end the same way.
 */
export async function runGuarded(command: () => number | Promise<number>): Promise<void> {
  // A closed pipe (`queuesim run x | head`) ends output quietly rather than with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    process.exitCode = await command();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = ExitCode.badInput;
      return;
    }
    console.error("queuesim hit an internal error; this is a bug, please report it with the scenario file:");
    console.error(error);
    process.exitCode = ExitCode.internalError;
  }
}
