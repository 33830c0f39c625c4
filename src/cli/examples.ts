import type { Argv } from "yargs";

/**
 * Two or three real examples per command for its --help, kept together so they read as one guide. Every
 * scenario path named here is a file in the repository's scenarios/ folder (test/cli/help.test.ts checks).
 */
export const EXAMPLES: Record<string, readonly (readonly [string, string])[]> = {
  init: [
    ["$0 init demo --profile kafka", "write demo.yaml: a work queue on Kafka, with expectations"],
    ["$0 init fanout --profile rabbitmq --pattern pubsub", "two consumer groups, each getting every message"],
    ["$0 init scenarios/orders --pattern ordered", "keyed order on the default profile, in scenarios/"],
  ],
  run: [
    ["$0 run scenarios/work-queue.yaml", "simulate, print a summary, write reports/work-queue/"],
    [
      "$0 run scenarios/rabbitmq-autoack-crash.yaml --seed 7 --junit junit.xml",
      "another seed; the checks as JUnit XML for CI",
    ],
    ["$0 run scenarios/mmc-textbook.yaml --replications 20", "means with 95% intervals over 20 runs"],
  ],
  validate: [
    ["$0 validate scenarios/*.yaml", "check every file, run nothing"],
    ["$0 validate orders.yaml", "every problem at once, with line, column and a suggestion"],
  ],
  compare: [
    ["$0 compare scenarios/work-queue.yaml", "the same orders through the scenario's compare.profiles"],
    [
      "$0 compare scenarios/work-queue.yaml --profiles kafka,rabbitmq --broker 'kafka={partitions: 12}'",
      "two profiles, Kafka with 12 partitions",
    ],
    ["$0 compare scenarios/work-queue.yaml --replications 10", "intervals and paired significance"],
  ],
  sweep: [
    ["$0 sweep scenarios/capacity-sweep.yaml", "the grid in the scenario's sweep: section"],
    ["$0 sweep scenarios/work-queue.yaml --param consumers.billing.instances=2..12", "one run per consumer count"],
    [
      '$0 sweep scenarios/capacity-sweep.yaml --param consumers.billing.instances=4..16 --find "lag.max < 10000"',
      "the fewest consumers meeting a target",
    ],
  ],
  merge: [["$0 merge shard-1 shard-2", "combine sweep shards run on several machines"]],
  explore: [
    [
      "$0 explore scenarios/dedup-store-crash.yaml --faults consumer-crash",
      "is the design safe under any single consumer crash? shrink what breaks it",
    ],
    ["$0 explore scenarios/redis-list-crash.yaml --runs 500 --max-faults 1", "a bigger search, one fault per plan"],
  ],
  worker: [
    ["$0 worker --redis redis://queue-host:6379", "take simulation tasks from that Redis, one per core"],
    [
      "$0 sweep scenarios/capacity-sweep.yaml --distributed redis://queue-host:6379",
      "a sweep whose runs go to the workers (docs/distributed.md)",
    ],
  ],
  schema: [["$0 schema > scenario.schema.json", "the JSON Schema editors use to check scenario files"]],
  completion: [["$0 completion >> ~/.bashrc", "tab completion of commands and options in bash or zsh"]],
};

/** Adds a command's examples to its help. */
export function withExamples<T>(parser: Argv<T>, command: string): Argv<T> {
  let withAll = parser;
  for (const [line, description] of EXAMPLES[command] ?? []) withAll = withAll.example(line, description);
  return withAll;
}
