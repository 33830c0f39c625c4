/**
 * The commands as yargs declares them: names, arguments and options. Each handler loads its command's
 * module only when that command runs, so `queuesim validate` does not load charts, and nothing loads
 * the YAML parser before a scenario file is read.
 */
import type { Argv } from "yargs";
import { UsageError } from "./usage.js";
import { distributedOption } from "./worker-command.js";

/** Where a command's handler leaves its exit code. */
export type ExitCodeSink = (code: number) => void;

const outOption = { type: "string", default: "reports", describe: "directory reports are written under" } as const;
const workersOption = {
  type: "number",
  describe: "worker threads; default: all cores when the work is large enough",
} as const;
const seedOption = { type: "number", describe: "override the scenario's seed" } as const;

export function runCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
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
        .option("seed", seedOption)
        .option("out", outOption)
        .option("json", {
          type: "boolean",
          default: false,
          describe: "print summary.json to stdout instead of a human summary",
        })
        .option("trace", { type: "string", describe: "write every event as newline-delimited JSON to this file" })
        .option("replications", {
          type: "number",
          describe: "run this many independent replications; report means with 95% intervals",
        })
        .option("precision", {
          type: "string",
          describe: "with --replications: add replications until --metric is within this, e.g. 2%",
        })
        .option("metric", {
          type: "string",
          default: "latency.endToEnd.mean",
          describe: "the metric --precision applies to",
        })
        .option("max-replications", {
          type: "number",
          default: 100,
          describe: "with --precision: the most replications to run",
        })
        .option("workers", {
          type: "number",
          describe: "worker threads for replications; default: all cores when the work is large enough",
        })
        .option("distributed", distributedOption)
        .check((args) => {
          if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed < 2 ** 32)) {
            throw new UsageError(`--seed must be an integer from 0 to 4294967295, got ${args.seed}`);
          }
          return true;
        }),
    async (args) => {
      const { commandRun } = await import("./run.js");
      exit(
        await commandRun({
          scenarios: args.scenarios,
          seed: args.seed,
          out: args.out,
          json: args.json,
          trace: args.trace,
          replications: args.replications,
          precision: args.precision,
          metric: args.metric,
          maxReplications: args["max-replications"],
          workers: args.workers,
          distributed: args.distributed,
        }),
      );
    },
  );
}

export function validateCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "validate <scenarios..>",
    "check scenario files without running them",
    (y) => y.positional("scenarios", { type: "string", array: true, demandOption: true }),
    async (args) => {
      const { commandValidate } = await import("./validate.js");
      exit(commandValidate(args.scenarios));
    },
  );
}

export function compareCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "compare <scenario>",
    "run one workload against several broker profiles and compare them",
    (y) =>
      y
        .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
        .option("profiles", {
          type: "string",
          describe: "comma-separated profiles; default: the scenario's compare.profiles, else all",
        })
        .option("broker", {
          type: "string",
          array: true,
          default: [],
          describe: "a profile's broker section: kafka={partitions: 12}",
        })
        .option("seed", seedOption)
        .option("out", outOption)
        .option("json", { type: "boolean", default: false, describe: "print the comparison rows as JSON" })
        .option("workers", workersOption)
        .option("replications", {
          type: "number",
          describe: "replications per profile: intervals and paired significance",
        })
        .option("distributed", distributedOption),
    async (args) => {
      const { commandCompare } = await import("./compare.js");
      const profiles = args.profiles
        ?.split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "");
      exit(
        await commandCompare({
          replications: args.replications,
          scenario: args.scenario,
          profiles,
          brokers: args.broker.map(String),
          seed: args.seed,
          out: args.out,
          json: args.json,
          workers: args.workers,
          distributed: args.distributed,
        }),
      );
    },
  );
}

export function sweepCommand<T>(parser: Argv<T>) {
  return parser.command(
    "sweep <scenario>",
    "run a grid of parameter values (what-if), or --find the smallest value meeting a target",
    (y) =>
      y
        .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
        .option("param", {
          type: "string",
          array: true,
          default: [],
          describe: "path=values: consumers.billing.instances=2..12 or producers.checkout.rate=1000/s,2000/s",
        })
        .option("replications", {
          type: "number",
          describe: "replications per point (default 1, or the scenario's sweep.replications)",
        })
        .option("find", {
          type: "string",
          describe: 'bisect the first --param for the smallest value meeting "metric < value"',
        })
        .option("shard", { type: "string", describe: "run only slice i of n of the points: 2/4" })
        .option("workers", workersOption)
        .option("distributed", distributedOption)
        .option("out", outOption),
    async (args) => {
      const { commandSweep } = await import("./sweep.js");
      await commandSweep({
        file: args.scenario,
        params: args.param.map(String),
        replications: args.replications,
        shard: args.shard,
        find: args.find,
        workers: args.workers,
        distributed: args.distributed,
        out: args.out,
      });
    },
  );
}

export function mergeCommand<T>(parser: Argv<T>) {
  return parser.command(
    "merge <dirs..>",
    "combine sweep shards (shard-i-of-n.json) into one sweep.csv",
    (y) =>
      y
        .positional("dirs", {
          type: "string",
          array: true,
          demandOption: true,
          describe: "directories holding shard files",
        })
        .option("out", outOption),
    async (args) => {
      const { commandMerge } = await import("./sweep.js");
      await commandMerge(args.dirs, args.out);
    },
  );
}

export function schemaCommand<T>(parser: Argv<T>) {
  return parser.command("schema", "print the scenario JSON Schema (for editor autocompletion)", {}, async () => {
    const { jsonSchemaText } = await import("../scenario/json-schema.js");
    process.stdout.write(jsonSchemaText());
  });
}
