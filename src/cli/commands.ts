/**
 * The commands as yargs declares them: names, arguments and options. Each handler loads its command's
 * module only when that command runs, so `queuesim validate` does not load charts, and nothing loads
 * the YAML parser before a scenario file is read.
 */
import { readFileSync } from "node:fs";
import type { Argv } from "yargs";
import { withExamples } from "./examples.js";
import {
  integerFlag,
  MAX_FLAG_COUNT,
  maxReplicationsFlag,
  outFlag,
  pathFlag,
  profilesFlag,
  replicationsFlag,
  seedFlag,
  workersFlag,
} from "./flags.js";
import { runDefaults } from "./run-defaults.js";
import { packageSchemaFile } from "./schema-file.js";
import { distributedOption } from "./worker-command.js";

/** Where a command's handler leaves its exit code. */
export type ExitCodeSink = (code: number) => void;

const outOption = {
  type: "string",
  default: runDefaults.out,
  describe: "directory reports are written under",
  coerce: outFlag,
} as const;
const junitOption = {
  type: "string",
  describe: "also write the checks as JUnit XML to this file (one test case per expectation), for CI",
} as const;
const workersOption = {
  type: "string",
  describe: "worker threads; default: all cores when the work is large enough",
  coerce: workersFlag,
} as const;
const seedOption = { type: "string", describe: "override the scenario's seed", coerce: seedFlag } as const;
const replicationsOption = (describe: string) => ({ type: "string", describe, coerce: replicationsFlag }) as const;

export function runCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "run <scenarios..>",
    "simulate scenarios and write reports",
    (y) =>
      withExamples(y, "run")
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
        .option("trace", {
          type: "string",
          describe: "write every event as newline-delimited JSON to this file",
          coerce: pathFlag("trace"),
        })
        .option("junit", junitOption)
        .option(
          "replications",
          replicationsOption("run this many independent replications; report means with 95% intervals"),
        )
        .option("precision", {
          type: "string",
          describe: "with --replications: add replications until --metric is within this, e.g. 2%",
        })
        .option("metric", {
          type: "string",
          default: runDefaults.metric,
          describe: "the metric --precision applies to",
        })
        .option("max-replications", {
          type: "string",
          default: String(runDefaults.maxReplications),
          describe: "with --precision: the most replications to run",
          coerce: maxReplicationsFlag,
        })
        .option("workers", workersOption)
        .option("distributed", distributedOption),
    async (args) => {
      const { commandRun } = await import("./run.js");
      exit(
        await commandRun({
          scenarios: args.scenarios,
          seed: args.seed,
          out: args.out,
          json: args.json,
          trace: args.trace,
          junit: args.junit,
          replications: args.replications,
          precision: args.precision,
          metric: args.metric,
          maxReplications: args["max-replications"] ?? runDefaults.maxReplications,
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
    (y) => withExamples(y, "validate").positional("scenarios", { type: "string", array: true, demandOption: true }),
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
      withExamples(y, "compare")
        .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
        .option("profiles", {
          type: "string",
          describe: "comma-separated profiles; default: the scenario's compare.profiles, else all",
          coerce: profilesFlag,
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
        .option("junit", junitOption)
        .option("workers", workersOption)
        .option("replications", replicationsOption("replications per profile: intervals and paired significance"))
        .option("distributed", distributedOption),
    async (args) => {
      const { commandCompare } = await import("./compare.js");
      const profiles = args.profiles;
      exit(
        await commandCompare({
          replications: args.replications,
          scenario: args.scenario,
          profiles,
          brokers: args.broker.map(String),
          seed: args.seed,
          out: args.out,
          json: args.json,
          junit: args.junit,
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
      withExamples(y, "sweep")
        .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
        .option("param", {
          type: "string",
          array: true,
          default: [],
          describe: "path=values: consumers.billing.instances=2..12 or producers.checkout.rate=1000/s,2000/s",
        })
        .option(
          "replications",
          replicationsOption("replications per point (default 1, or the scenario's sweep.replications)"),
        )
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
      withExamples(y, "merge")
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
  return parser.command(
    "schema",
    "print the scenario JSON Schema (for editor autocompletion)",
    (y) => withExamples(y, "schema"),
    async () => {
      // The package ships the schema it would generate (schema-file.ts): printing that file spares building
      // every profile's schema and converting them, most of the command. Generated only if the file is missing.
      const shipped = packageSchemaFile();
      if (shipped !== undefined) {
        process.stdout.write(readFileSync(shipped, "utf8"));
        return;
      }
      const { jsonSchemaText } = await import("../scenario/json-schema.js");
      process.stdout.write(jsonSchemaText());
    },
  );
}

export function initCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "init [name]",
    "write a commented scenario file from a template, to edit and run",
    (y) =>
      withExamples(y, "init")
        .positional("name", {
          type: "string",
          default: "scenario",
          describe: "the scenario's name; the file is <name>.yaml (a path like scenarios/orders works too)",
        })
        .option("profile", {
          type: "string",
          default: "fifo",
          describe: "broker profile: fifo, rabbitmq, rabbitmq-quorum, sqs, sqs-fifo, kafka, redis-list, ...",
        })
        .option("pattern", {
          type: "string",
          default: "work-queue",
          describe: "workload: work-queue (competing consumers), pubsub (two groups), ordered (keyed order)",
        }),
    async (args) => {
      const { commandInit } = await import("./init.js");
      exit(commandInit({ name: args.name, profile: args.profile, pattern: args.pattern }));
    },
  );
}

export function exploreCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "explore <scenario>",
    "search fault plans for a run that breaks the scenario's expectations, and shrink it to a small scenario",
    (y) =>
      withExamples(y, "explore")
        .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
        .option("runs", {
          type: "string",
          describe: "fault plans to try (default 100, or explore.runs)",
          coerce: integerFlag("runs", { min: 1, max: MAX_FLAG_COUNT }),
        })
        .option("shrink-runs", {
          type: "string",
          describe: "runs the shrinking may spend (default 300)",
          coerce: integerFlag("shrink-runs", { min: 1, max: MAX_FLAG_COUNT }),
        })
        .option("max-faults", {
          type: "string",
          describe: "faults in one plan, at most (default 2)",
          coerce: integerFlag("max-faults", { min: 1, max: MAX_FLAG_COUNT }),
        })
        .option("faults", {
          type: "string",
          describe:
            "comma-separated fault kinds to place (default consumer-crash,consumer-stop,producer-crash,broker-crash,partition,duplicate)",
        })
        .option("seed", { ...seedOption, describe: "the search's seed (default: the scenario's seed)" })
        .option("workers", workersOption)
        .option("distributed", distributedOption)
        .option("out", outOption)
        .option("json", { type: "boolean", default: false, describe: "print the exploration as JSON" }),
    async (args) => {
      const { commandExplore } = await import("./explore.js");
      exit(
        await commandExplore({
          scenario: args.scenario,
          runs: args.runs,
          shrinkRuns: args["shrink-runs"],
          maxFaults: args["max-faults"],
          faults: args.faults,
          seed: args.seed,
          workers: args.workers,
          distributed: args.distributed,
          out: args.out,
          json: args.json,
        }),
      );
    },
  );
}
