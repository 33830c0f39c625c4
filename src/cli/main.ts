import yargs from "yargs";
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
import { exitCodeOf, runGuarded } from "./guarded.js";
import { UsageError } from "./usage.js";
import { workerCommand } from "./worker-command.js";

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
  parser = workerCommand(parser, exit);
  skipHelpCache(parser);
  await parser
    // yargs prints a bash/zsh script that asks `queuesim --get-yargs-completions` for candidates.
    .completion("completion", "print a shell completion script (bash, zsh): queuesim completion >> ~/.bashrc")
    .example(EXAMPLES.init![0]![0], EXAMPLES.init![0]![1])
    .example(EXAMPLES.run![0]![0], EXAMPLES.run![0]![1])
    .example(EXAMPLES.completion![0]![0], EXAMPLES.completion![0]![1])
    .demandCommand(
      1,
      "name a command: init, run, compare, sweep, merge, explore, validate, schema, worker or completion",
    )
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

/**
 * yargs lays out the running command's help text (some 15 ms of cliui wrapping, on every `run`) just after
 * starting its handler, in case the handler fails later and yargs wants to print it. queuesim never does: a
 * handler's failure is rethrown by `fail` above and reported as its own message, and a usage error found by
 * yargs is reported before the handler starts, with help laid out then. So the cache is skipped. It is an
 * internal hook of yargs: if a version lacks it, nothing changes but the time.
 */
function skipHelpCache(parser: object): void {
  const internals = parser as {
    getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } };
  };
  const usage = internals.getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === "function") usage.cacheHelpMessage = () => {};
}

export async function runCli(argv: string[]): Promise<void> {
  await runGuarded(() => main(argv));
}

/**
 * Runs a command line and returns its exit code, every failure turned into a message on stderr: the
 * entry point's work, apart so tests can run many command lines in one process.
 */
export async function runCommandLine(argv: string[]): Promise<number> {
  return exitCodeOf(() => main(argv));
}
