/**
 * The `worker` command and the `--distributed` option other commands take, declared apart from
 * commands.ts: both belong to distributed runs (docs/distributed.md).
 */
import type { Argv } from "yargs";
import type { ExitCodeSink } from "./commands.js";
import { withExamples } from "./examples.js";
import { integerFlag } from "./flags.js";

export const distributedOption = {
  type: "string",
  describe: "run the tasks on queuesim workers through this Redis (redis://host:6379); see docs/distributed.md",
} as const;

export function workerCommand<T>(parser: Argv<T>, exit: ExitCodeSink) {
  return parser.command(
    "worker",
    "take simulation tasks from Redis (BullMQ) for commands run with --distributed",
    (y) =>
      withExamples(y, "worker")
        .option("redis", { type: "string", demandOption: true, describe: "Redis URL: redis://host:6379 or rediss://" })
        .option("concurrency", {
          type: "string",
          describe: "tasks run at once, one thread each; default: all cores",
          coerce: integerFlag("concurrency", { min: 1, max: 256 }),
        })
        // Tests shorten it so a killed worker's task is taken back within seconds; 30 s suits real runs.
        .option("lock-duration", { type: "number", default: 30_000, hidden: true }),
    async (args) => {
      const { commandWorker } = await import("./worker.js");
      exit(
        await commandWorker({
          redis: args.redis,
          concurrency: args.concurrency,
          lockDurationMs: args["lock-duration"],
        }),
      );
    },
  );
}
