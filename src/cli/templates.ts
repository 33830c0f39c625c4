/**
 * The scenario files `queuesim init` writes: one workload pattern (a work queue, pub/sub fan-out, keyed
 * order) on one broker profile, with that profile's usual settings and an `expect:` section that holds
 * when nothing fails. Text, not objects: the comments are half the point.
 */

/** The workloads `queuesim init --pattern` knows, in the order help lists them. */
export const PATTERNS = ["work-queue", "pubsub", "ordered"] as const;
export type Pattern = (typeof PATTERNS)[number];

/** What a profile's promise of order means for a template (from the profile's facts). */
export type OrderingPromise = "per-producer" | "per-partition" | "none";

export interface TemplateInput {
  name: string;
  profile: string;
  pattern: Pattern;
  ordering: OrderingPromise;
  /** Every instance of a group receives every message (pub/sub brokers): one instance per group then. */
  everyConsumerGetsAll: boolean;
  /** The JSON Schema's path relative to the scenario file, for the yaml-language-server line. */
  schemaPath: string;
}

/** A profile's usual deployment: the broker section's extra lines, the network, the rate and a latency bound. */
interface ProfileDefaults {
  broker: string[];
  /** Instances of the main consumer group (default 4). */
  instances?: number;
  /** Lines before `broker:`, e.g. a warm-up that drops a start-up transient. */
  run?: string[];
  latency: string;
  ratePerInstance: string;
  latencyP99Bound: string;
}

const LAN = "{dist: lognormal, median: 300us, p99: 2ms}   # every one-way hop, inside one data centre";
const CLOUD = "{dist: lognormal, median: 10ms, p99: 40ms}   # ~20 ms per API round trip";

/**
 * Defaults by profile, from the shipped scenarios and the brokers' own documentation (docs/brokers/).
 * A profile missing here gets its built-in defaults and a pointer to its page.
 */
const PROFILE_DEFAULTS: Record<string, ProfileDefaults> = {
  fifo: {
    broker: ["  settings: {prefetch: 10}     # unacked deliveries per consumer"],
    latency: LAN,
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  rabbitmq: {
    broker: [
      "  settings:",
      "    prefetch: 10              # basic.qos: at most 10 unacked deliveries per consumer",
      "    # autoAck: false, confirms: true and heartbeat: 60s are the defaults",
    ],
    latency: LAN,
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  "rabbitmq-quorum": {
    broker: [
      "  settings:",
      "    prefetch: 10",
      "    # x-delivery-limit: 20 and requeueOnFailure: true are the defaults",
    ],
    latency: LAN,
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  sqs: {
    broker: [
      "  settings:",
      "    VisibilityTimeout: 30       # seconds a received message stays hidden",
      "    WaitTimeSeconds: 20         # long polling, as AWS recommends",
      "    MaxNumberOfMessages: 10     # batch size per ReceiveMessage",
    ],
    latency: CLOUD,
    ratePerInstance: "100/s",
    latencyP99Bound: "1s",
  },
  "sqs-fifo": {
    broker: [
      "  settings:                     # the key is the MessageGroupId; 300 sends/s without batching",
      "    WaitTimeSeconds: 20",
      "    MaxNumberOfMessages: 10",
    ],
    latency: CLOUD,
    ratePerInstance: "100/s",
    latencyP99Bound: "1s",
  },
  kafka: {
    instances: 6,
    run: ["warmup: 10s                    # drop start-up samples: the first group rebalance waits 3 s"],
    broker: [
      "  partitions: 6",
      "  # settings: named as Kafka names them: enable.auto.commit, acks, linger.ms, ... (docs/brokers/kafka.md)",
    ],
    latency: "{dist: lognormal, median: 500us, p99: 3ms}   # every one-way hop",
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  "redis-list": {
    broker: ["  # LPUSH / BRPOP: what a consumer popped is gone if it crashes"],
    latency: "{dist: lognormal, median: 200us, p99: 1ms}",
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  "redis-reliable-list": {
    broker: [
      "  settings:",
      "    visibilityTimeout: 10s    # application reaper: how old an entry in a processing list may get",
      "    reaperInterval: 1s",
    ],
    latency: "{dist: lognormal, median: 200us, p99: 1ms}",
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  "redis-streams": {
    broker: [
      "  settings:",
      "    COUNT: 10                 # XREADGROUP ... COUNT 10",
      "    claimInterval: 1s         # application: XAUTOCLAIM every second",
      "    min-idle-time: 5s",
    ],
    latency: "{dist: lognormal, median: 200us, p99: 1ms}",
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
  bullmq: {
    broker: [
      "  settings:",
      "    lockDuration: 30s         # a worker's lock on its active job, renewed while it lives",
      "    stalledInterval: 30s      # how often workers look for jobs whose lock ran out",
      "    attempts: 3               # job option: tries before a failing job goes to failed",
    ],
    latency: "{dist: lognormal, median: 200us, p99: 1ms}",
    // Each job costs a worker a Redis round trip besides its processing: a lone worker takes ~1,500/s.
    ratePerInstance: "200/s",
    latencyP99Bound: "250ms",
  },
  "redis-pubsub": {
    broker: ["  # PUBLISH / SUBSCRIBE: fire and forget, a disconnected subscriber misses messages"],
    latency: "{dist: lognormal, median: 200us, p99: 1ms}",
    ratePerInstance: "500/s",
    latencyP99Bound: "250ms",
  },
};

function defaultsOf(profile: string): ProfileDefaults {
  return (
    PROFILE_DEFAULTS[profile] ?? {
      broker: [`  # settings: see docs/brokers/${profile}.md; every one has a default`],
      latency: LAN,
      ratePerInstance: "500/s",
      latencyP99Bound: "250ms",
    }
  );
}

const STORY: Record<Pattern, string> = {
  "work-queue": "a work queue: two checkout services publish orders; a pool of billing workers shares them.",
  pubsub: "pub/sub fan-out: every order reaches two consumer groups, billing and analytics, each at its own pace.",
  ordered: "keyed order: orders for one customer must be processed in the order they were placed.",
};

/** The scenario file's text. */
export function scenarioTemplate(input: TemplateInput): string {
  const defaults = defaultsOf(input.profile);
  return [
    `# yaml-language-server: $schema=${input.schemaPath}`,
    `# ${input.name}: ${STORY[input.pattern]}`,
    "# Written by `queuesim init`; every field is described in docs/scenarios.md of queuesim.",
    `name: ${input.name}`,
    "seed: 42                       # same scenario and seed, same results: change it to see another run",
    "duration: 60s                  # producers stop here; consumers then drain",
    ...(defaults.run ?? []),
    "broker:",
    `  profile: ${input.profile}`,
    ...defaults.broker,
    "network:",
    `  latency: ${defaults.latency}`,
    "producers:",
    "  - name: checkout",
    "    instances: 2",
    `    rate: ${defaults.ratePerInstance}             # per instance, Poisson arrivals`,
    `    keys: {count: ${input.pattern === "ordered" ? 1000 : 5000}, dist: zipf, s: 1.1}   # e.g. customer ids`,
    "    size: {dist: lognormal, median: 1KB, p99: 16KB}",
    "consumers:",
    ...consumerLines(input, defaults.instances ?? 4),
    ...faultLines(input.pattern),
    "expect:                        # judged after the run: a failed expectation exits with code 1",
    ...expectLines(input, defaults),
    "",
  ].join("\n");
}

function consumerLines(input: TemplateInput, instances: number): string[] {
  // About 1.4 ms on average: four instances use about a third of their time at 1,000 orders/s.
  const processing = "    processing: {dist: lognormal, median: 1ms, p99: 5ms}";
  const single = "    processing: {dist: exponential, mean: 400us}   # a lone consumer must be quick";
  if (input.everyConsumerGetsAll) {
    const lone = "    instances: 1                 # every subscriber gets every message: one per group";
    const groups = ["  - group: billing", lone, single];
    return input.pattern === "pubsub" ? [...groups, "  - group: analytics", lone, single] : groups;
  }
  if (input.pattern === "pubsub") {
    return [
      "  - group: billing",
      `    instances: ${instances}`,
      processing,
      "  - group: analytics            # its own copy of every message",
      "    instances: 2",
      "    processing: {dist: exponential, mean: 500us}",
    ];
  }
  if (input.pattern === "ordered") {
    // One consumer per partition keeps each partition's order; without partitions, only one consumer does.
    const one = input.ordering === "per-partition" ? instances : 1;
    const why =
      input.ordering === "per-partition"
        ? "# each key stays on one partition (message group), consumed by one instance at a time"
        : "# the queue keeps publish order, but competing consumers would not";
    return [
      "  - group: billing",
      `    instances: ${one}             ${why}`,
      "    concurrency: 1",
      one === 1 ? single : processing,
    ];
  }
  return ["  - group: billing", `    instances: ${instances}`, "    concurrency: 1", processing];
}

/** A commented-out fault to try: the template passes as written, and breaks the way docs/faults.md says. */
function faultLines(pattern: Pattern): string[] {
  return [
    "# faults:                       # uncomment to see what a crash does to the expectations below",
    "#   - {at: 20s, crash: consumer, target: billing/1, point: after-side-effect, restartAfter: 5s}",
    ...(pattern === "work-queue" ? ["#   - {at: 40s, for: 10s, slow: {target: billing, factor: 4}}"] : []),
  ];
}

function expectLines(input: TemplateInput, defaults: ProfileDefaults): string[] {
  return [
    "  delivery: at-least-once      # at-most-once | at-least-once | exactly-once",
    ...(input.pattern === "ordered" ? ["  ordering: per-key            # per-key | per-producer | per-partition"] : []),
    "  # sideEffects: exactly-once  # no message's side effect applied twice",
    `  latency: {p99: ${defaults.latencyP99Bound}}         # end-to-end bounds: mean, p50, p95, p99, max`,
  ];
}
