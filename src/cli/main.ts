import { join, relative } from "node:path";
import yargs from "yargs";
import { EventBudgetExceeded } from "../engine/simulation.js";
import {
  formatIssue,
  loadScenarioFile,
  type ParsedScenario,
  reportDirectory,
  runScenario,
  type Summary,
} from "../index.js";
import { reportFiles } from "../report/report.js";
import { TraceWriter } from "../report/trace.js";
import { writeReportFiles } from "../report/write.js";
import { componentNames } from "../run/names.js";
import { jsonSchemaText } from "../scenario/json-schema.js";
import { ExitCode } from "./exit-codes.js";
import { progressBar } from "./progress.js";
import { formatSummary, styler } from "./terminal.js";

/** Thrown for anything the user can fix: printed without a stack, exit code 2. */
class UsageError extends Error {}

interface RunOptions {
  scenarios: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  trace: string | undefined;
}

function loadAll(files: string[]): { file: string; scenario: ParsedScenario }[] {
  const loaded: { file: string; scenario: ParsedScenario }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = loadScenarioFile(file);
    if (result.ok) loaded.push({ file, scenario: result.scenario });
    else {
      const count = result.issues.length;
      problems.push(
        `${count} problem${count === 1 ? "" : "s"} in ${file}:`,
        ...result.issues.map((i) => `  ${formatIssue(i, file)}`),
      );
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return loaded;
}

async function commandRun(options: RunOptions): Promise<number> {
  const loaded = loadAll(options.scenarios);
  if (options.trace !== undefined && loaded.length > 1) {
    throw new UsageError("--trace writes one file: give it a single scenario");
  }
  const names = new Map<string, string>();
  for (const { file, scenario } of loaded) {
    const other = names.get(scenario.name);
    if (other)
      throw new UsageError(
        `${file} and ${other} are both named "${scenario.name}": their reports would overwrite each other`,
      );
    names.set(scenario.name, file);
  }
  const summaries: Summary[] = [];
  let failed = false;
  for (const { file, scenario: parsed } of loaded) {
    const scenario = options.seed === undefined ? parsed : { ...parsed, seed: options.seed };
    const progress = progressBar(scenario.name);
    const trace = options.trace === undefined ? undefined : new TraceWriter(options.trace, componentNames(scenario));
    const startedAt = Date.now();
    let run: ReturnType<typeof runScenario>;
    try {
      run = runScenario(scenario, {
        onProgress: progress.update,
        series: "auto",
        ...(trace ? { observers: [trace] } : {}),
      });
      trace?.close();
    } catch (error) {
      if (error instanceof EventBudgetExceeded) {
        throw new UsageError(`${file}: ${error.message}; raise limits.maxEvents if the scenario really needs more`);
      }
      throw error;
    } finally {
      progress.done();
    }
    const wallSeconds = (Date.now() - startedAt) / 1000;
    const directory = reportDirectory(options.out, run.summary.scenario);
    writeReportFiles(directory, await reportFiles(run));
    const path = relative(process.cwd(), join(directory, "summary.json"));
    summaries.push(run.summary);
    if (!options.json) {
      console.log(formatSummary(run.summary, path, wallSeconds));
      if (!run.summary.passed) console.log(`  replay: queuesim run ${file} --seed ${scenario.seed}`);
      console.log("");
    }
    failed ||= !run.summary.passed;
  }
  if (options.json) console.log(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
  return failed ? ExitCode.expectationFailed : ExitCode.ok;
}

function commandValidate(files: string[]): number {
  const loaded = loadAll(files);
  const style = styler(process.stdout);
  for (const { file, scenario } of loaded) console.log(`${style.green("valid")}  ${file} (${scenario.name})`);
  return ExitCode.ok;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName("queuesim")
    .usage("$0 <command> [options]")
    .command(
      "run <scenarios..>",
      "simulate scenarios and write reports",
      (y) =>
        y
          .positional("scenarios", {
            type: "string",
            array: true,
            demandOption: true,
            describe: "scenario files (YAML or JSON)",
          })
          .option("seed", { type: "number", describe: "override the scenario's seed" })
          .option("out", { type: "string", default: "reports", describe: "directory reports are written under" })
          .option("json", {
            type: "boolean",
            default: false,
            describe: "print summary.json to stdout instead of a human summary",
          })
          .option("trace", { type: "string", describe: "write every event as newline-delimited JSON to this file" })
          .check((args) => {
            if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed < 2 ** 32)) {
              throw new UsageError(`--seed must be an integer from 0 to 4294967295, got ${args.seed}`);
            }
            return true;
          }),
      async (args) => {
        exitCode = await commandRun({
          scenarios: args.scenarios,
          seed: args.seed,
          out: args.out,
          json: args.json,
          trace: args.trace,
        });
      },
    )
    .command(
      "validate <scenarios..>",
      "check scenario files without running them",
      (y) => y.positional("scenarios", { type: "string", array: true, demandOption: true }),
      (args) => {
        exitCode = commandValidate(args.scenarios);
      },
    )
    .command("schema", "print the scenario JSON Schema (for editor autocompletion)", {}, () => {
      process.stdout.write(jsonSchemaText());
    })
    .demandCommand(1, "name a command: run, validate or schema")
    .recommendCommands()
    .strict()
    .strictCommands()
    .help()
    .version()
    .fail((message, error, instance) => {
      if (error && error.name !== "YError") throw error;
      const text = message?.startsWith("Did you mean") ? `unknown command "${argv[0]}". ${message}` : message;
      throw new UsageError(`${text ?? error?.message}\n\n${instance.help() ?? ""}`.trimEnd());
    });
  await parser.parseAsync();
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
