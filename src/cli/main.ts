import yargs from "yargs";
import { compareCommand, mergeCommand, runCommand, schemaCommand, sweepCommand, validateCommand } from "./commands.js";
import { ExitCode } from "./exit-codes.js";
import { UsageError } from "./usage.js";
import { workerCommand } from "./worker-command.js";

/** Parses the command line and runs the command it names; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const exit = (code: number): void => {
    exitCode = code;
  };
  let parser = yargs(argv).scriptName("queuesim").usage("$0 <command> [options]");
  parser = runCommand(parser, exit);
  parser = validateCommand(parser, exit);
  parser = compareCommand(parser, exit);
  parser = sweepCommand(parser);
  parser = mergeCommand(parser);
  parser = schemaCommand(parser);
  parser = workerCommand(parser, exit);
  await parser
    .demandCommand(1, "name a command: run, compare, sweep, merge, validate, schema or worker")
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
  try {
    process.exitCode = await main(argv);
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
