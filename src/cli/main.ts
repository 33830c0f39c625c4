import yargs from "yargs";
import { BudgetExceeded } from "../engine/simulation.js";
import {
  compareCommand,
  exploreCommand,
  initCommand,
  mergeCommand,
  runCommand,
  schemaCommand,
  sweepCommand,
  validateCommand,
} from "./commands.js";
import { EXAMPLES } from "./examples.js";
import { ExitCode } from "./exit-codes.js";
import { Interrupted, interruption, listenForInterrupts } from "./interrupt.js";
import { fileSystemReason } from "./paths.js";
import { UsageError } from "./usage.js";

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { syscall: string } {
  const candidate = error as NodeJS.ErrnoException | undefined;
  return typeof candidate?.code === "string" && typeof candidate.syscall === "string";
}

/** Parses the command line and runs the command it names; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const exit = (code: number): void => {
    exitCode = code;
  };
  let parser = yargs(argv).scriptName("queuesim").usage("$0 <command> [options]");
  parser = initCommand(parser, exit);
  parser = runCommand(parser, exit);
  parser = validateCommand(parser, exit);
  parser = compareCommand(parser, exit);
  parser = sweepCommand(parser);
  parser = mergeCommand(parser);
  parser = exploreCommand(parser, exit);
  parser = schemaCommand(parser);
  await parser
    // yargs prints a bash/zsh script that asks `queuesim --get-yargs-completions` for candidates.
    .completion("completion", "print a shell completion script (bash, zsh): queuesim completion >> ~/.bashrc")
    .example(EXAMPLES.init![0]![0], EXAMPLES.init![0]![1])
    .example(EXAMPLES.run![0]![0], EXAMPLES.run![0]![1])
    .example(EXAMPLES.completion![0]![0], EXAMPLES.completion![0]![1])
    .demandCommand(1, "name a command: init, run, compare, sweep, merge, explore, validate, schema or completion")
    .recommendCommands()
    .strict()
    .strictCommands()
    .help()
    .version()
    .fail((message, error, instance) => {
      if (error && error.name !== "YError") throw error;
      const text = message?.startsWith("Did you mean") ? `unknown command "${argv[0]}". ${message}` : message;
      throw new UsageError(`${text ?? error?.message}\n\n${instance.help() ?? ""}`.trimEnd());
    })
    .parseAsync();
  return exitCode;
}

export async function runCli(argv: string[]): Promise<void> {
  // A closed pipe (`queuesim run x | head`) ends output quietly rather than with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  listenForInterrupts();
  process.exitCode = await runCommandLine(argv);
}

/**
 * Runs a command line and returns its exit code, every failure turned into a message on stderr: the
 * entry point's work, apart so tests can run many command lines in one process.
 */
export async function runCommandLine(argv: string[]): Promise<number> {
  try {
    const exitCode = await main(argv);
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
