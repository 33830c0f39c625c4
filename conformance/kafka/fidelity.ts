/**
 * Kafka experiments on consumer groups, commits, partitioning and broker failures, beyond the
 * key-ordering and acks=all leader-kill experiments of suite.ts. Consumers run as separate
 * processes (conformance/workers/kafka-consumer.ts) so that they can be SIGKILLed or SIGSTOPped.
 *
 * The clients are kafkajs 2.2.4, not the Java client the profile models; where they differ, the
 * scenario is set to what kafkajs does and the experiment says so:
 * - kafkajs checks auto-commit after every record (Java: inside each poll), so scenarios use
 *   max.poll.records 1 where commit timing matters;
 * - kafkajs heartbeats from its processing loop, between records, not from a background thread:
 *   a record that takes longer than session.timeout.ms gets a kafkajs member removed by the session
 *   timeout, where Java would keep heartbeating and remove it only after max.poll.interval.ms
 *   (kafkajs has no max.poll.interval.ms). A SIGSTOPped process stops both clients' heartbeats, so
 *   the frozen-consumer experiment compares like with like.
 * - kafkajs's default assignor is round-robin (Java's is range); experiments count partitions per
 *   member, not which.
 */
import type { Kafka } from "kafkajs";
import { partitionForKey } from "../../src/brokers/kafka/partitioner.js";
import { type Run, runScenario, validateScenario } from "../../src/index.js";
import type { Experiment, Figures, Rule } from "../lib/experiment.js";
import { sleep } from "../lib/servers/kafka.js";
import { startWorker } from "../lib/worker.js";
import { createTopic, duplicatesOf, readAll, recordsPerPartition, unique } from "./clients.js";
import { type GroupFigures, type GroupPlan, runGroup } from "./group-run.js";
import type { KafkaFixture } from "./suite.js";

/** Short liveness settings, so that a crash is noticed in seconds (the broker's minimum session is 6 s). */
const LIVENESS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 };

/**
 * The queuesim side of a group run: same topic, rate, consumers and liveness settings. Fault times are
 * from the moment the group has formed, as on the real side. A backlog is written as one request there;
 * here the producer's linger.ms (5 ms) gathers its burst into one batch (under batch.size), appended at
 * once at 5 ms, before the group forms at 100 ms; the fault times move by those 100 ms.
 */
function groupScenario(
  name: string,
  plan: GroupPlan,
  settings: Record<string, unknown>,
  faults: ({ atMs: number } & Record<string, unknown>)[],
): Record<string, unknown> {
  const processing = plan.workers[0]!.processingMs;
  const formedMs = plan.backlog === undefined ? 0 : 100;
  const backlog =
    plan.backlog === undefined
      ? []
      : [{ name: "backlog", arrival: { process: "constant", rate: "100000/s" }, limit: plan.backlog, size: "16B" }];
  return {
    name,
    seed: 1,
    // The live producer's last record is due at `seconds` exactly; the limit stops it there.
    duration: `${plan.seconds + 1}s`,
    drainTimeout: "30s",
    broker: {
      profile: "kafka",
      partitions: plan.partitions,
      settings: {
        "group.initial.rebalance.delay.ms": formedMs, // the suite's server forms groups at once
        "linger.ms": plan.backlog === undefined ? 0 : 5, // kafkajs sends at once; see above for a backlog
        "session.timeout.ms": plan.sessionTimeoutMs,
        "heartbeat.interval.ms": plan.heartbeatIntervalMs,
        ...settings,
      },
    },
    network: { latency: "300us" },
    producers: [
      ...backlog,
      {
        name: "p",
        arrival: { process: "constant", rate: `${plan.rate}/s` },
        limit: plan.rate * plan.seconds,
        size: "16B",
        keys: plan.keys === undefined ? "none" : { count: plan.keys },
      },
    ],
    consumers: [{ group: "g", instances: plan.workers.length, processing: `${processing}ms` }],
    faults: faults.map(({ atMs, ...fault }) => ({ at: `${atMs + formedMs}ms`, ...fault })),
  };
}

function groupFigures(figures: GroupFigures, names: readonly string[]): Figures {
  const all: Figures = {
    sent: figures.sent,
    consumed: figures.consumed,
    duplicates: figures.duplicates,
    unconsumed: figures.unconsumed,
    maxLatencyMs: Math.round(figures.maxLatencyMs),
    consumedDuringRun: figures.consumedDuringRun,
  };
  return Object.fromEntries(names.map((name) => [name, all[name]!]));
}

function simulatedGroup(run: Run, names: readonly string[]): Figures {
  const m = run.summary.messages;
  const all: Figures = {
    sent: m.published,
    consumed: m.consumed,
    duplicates: m.duplicated,
    unconsumed: m.lost + m.pending,
    maxLatencyMs: Math.round(run.summary.latency.endToEnd.max),
    consumedDuringRun: run.result.consumedDuringRun,
  };
  return Object.fromEntries(names.map((name) => [name, all[name]!]));
}

const exact: Rule = { kind: "exact" };

/** Detection after a silent death: session.timeout.ms after the last heartbeat, which came up to a heartbeat interval before. */
const DETECTION_WHY =
  "the member is removed session.timeout.ms (6 s) after its last heartbeat, sent up to heartbeat.interval.ms (1 s) " +
  "before the fault, and the coordinator checks expiry on its own timer; then the new owner's rejoin and first fetch " +
  "(up to fetch.max.wait.ms, 500 ms) on a shared 2-core machine";

// ---------------------------------------------------------------------------------------------

const AUTOCOMMIT: GroupPlan = {
  partitions: 1,
  backlog: 700,
  rate: 10,
  seconds: 14,
  workers: [
    { commit: "auto", processingMs: 10 },
    { commit: "auto", processingMs: 10 },
  ],
  actions: [{ atMs: 5000, worker: "owner", action: "kill" }],
  autoCommitIntervalMs: 2000,
  settleMs: 10_000,
  ...LIVENESS,
};
const AUTOCOMMIT_FIGURES = ["sent", "consumed", "duplicates", "unconsumed", "maxLatencyMs"] as const;

const autocommitKill: Experiment<KafkaFixture> = {
  id: "kafka/autocommit-kill-duplicates",
  title: "An auto-committing consumer SIGKILLed: its partition moves after the session timeout, with duplicates",
  description:
    "One partition holding a backlog of 700 records, then 10 more records/s for 14 s; a group of two consumer " +
    "processes (10 ms per record, kafkajs auto-commit every 2 s, session.timeout.ms 6 s, heartbeat.interval.ms " +
    "1 s). kafkajs fetches the whole backlog as one batch and commits within it only when the interval has " +
    "passed (it also commits at the end of every batch, so with no backlog it would commit after nearly every " +
    "record). At 5 s the member that owns the partition is SIGKILLed, halfway through the backlog. Counted: " +
    "records consumed, consumed twice (those processed since the last auto-commit), never consumed, and the " +
    "longest send-to-consumption time of the live records (the wait for the session timeout).",
  behaviour: "consumer crash: detection by session timeout; auto-commit replays since the last commit",
  real: async (fixture, context) =>
    groupFigures(await runGroup(fixture.single, AUTOCOMMIT, context), AUTOCOMMIT_FIGURES),
  scenario: () =>
    groupScenario(
      "kafka-autocommit-kill",
      AUTOCOMMIT,
      // kafkajs checks the interval after each record: a poll of one record at a time does the same.
      { "enable.auto.commit": true, "auto.commit.interval.ms": 2000, "max.poll.records": 1 },
      [{ atMs: 5000, crash: "consumer", target: "g/1" }],
    ),
  simulated: (run) => simulatedGroup(run, AUTOCOMMIT_FIGURES),
  rules: {
    sent: exact,
    consumed: exact,
    unconsumed: exact,
    duplicates: {
      kind: "band",
      absolute: 25,
      why: "the records of the second since the last commit (~100 at 10 ms each): real records take a little over 10 ms (sleep and IPC), the kill lands within a few records of 5 s, and the commit clock starts at the join, which the two sides time slightly differently",
    },
    maxLatencyMs: {
      kind: "band",
      absolute: 1500,
      why: "the last live records wait behind the rest of the backlog, the replayed records and the takeover: real records take a little over 10 ms each (about 1 s more over 800 records), and the takeover comes session.timeout.ms after the last heartbeat (up to 1 s before the kill)",
    },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const CLOSE: GroupPlan = {
  ...AUTOCOMMIT,
  workers: [
    { commit: "after", processingMs: 2 },
    { commit: "after", processingMs: 2 },
  ],
  seconds: 10,
  actions: [{ atMs: 5000, worker: "owner", action: "stop" }],
};
const CLOSE_FIGURES = ["sent", "consumed", "duplicates", "unconsumed", "maxLatencyMs"] as const;

const cleanClose: Experiment<KafkaFixture> = {
  id: "kafka/clean-close-leave-group",
  title:
    "A consumer that closes cleanly leaves the group at once: its partition moves within a heartbeat, no duplicate",
  description:
    "One partition, 100 records/s for 10 s, a group of two consumer processes committing each record after " +
    "processing it. At 5 s the owner is asked to stop: it finishes its record, commits and disconnects " +
    "(LeaveGroup). Counted: duplicates, records never consumed, the longest send-to-consumption time.",
  behaviour:
    "clean consumer close: LeaveGroup triggers an immediate rebalance; commits after processing give no duplicate",
  real: async (fixture, context) => groupFigures(await runGroup(fixture.single, CLOSE, context), CLOSE_FIGURES),
  scenario: () =>
    groupScenario("kafka-clean-close", CLOSE, { "enable.auto.commit": false, commit: "after-processing" }, [
      { atMs: 5000, stop: "consumer", target: "g/1" },
    ]),
  simulated: (run) => simulatedGroup(run, CLOSE_FIGURES),
  rules: {
    sent: exact,
    consumed: exact,
    duplicates: exact,
    unconsumed: exact,
    maxLatencyMs: {
      kind: "band",
      absolute: 2000,
      why: "the other member hears of the rebalance with its next heartbeat (every 1 s), then rejoins and fetches (up to 500 ms); kafkajs's disconnect first waits for its own fetch in flight (up to 500 ms), which queuesim's stop does not have",
    },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const BEFORE: GroupPlan = {
  partitions: 1,
  backlog: 600,
  rate: 10,
  seconds: 12,
  workers: [
    { commit: "before", processingMs: 10 },
    { commit: "before", processingMs: 10 },
  ],
  actions: [{ atMs: 3000, worker: "owner", action: "kill" }],
  settleMs: 10_000,
  ...LIVENESS,
};
const BEFORE_FIGURES = ["sent", "duplicates", "unconsumed"] as const;

const commitBeforeProcessing: Experiment<KafkaFixture> = {
  id: "kafka/commit-before-processing-loss",
  title: "Committing a batch before processing it loses the unprocessed rest when the consumer dies",
  description:
    "One partition holding a backlog of 600 records, then 10 more records/s for 12 s; two consumer processes " +
    "taking 10 ms a record. Each member commits a whole fetched batch as soon as it has it (kafkajs fetches the " +
    "whole backlog at once), then processes it. At 3 s the owner is SIGKILLed, about halfway through; the other " +
    "member resumes at the committed offset, after the batch. Counted: records never consumed (the rest of " +
    "the batch in hand) and duplicates.",
  behaviour: "commit before processing: at-most-once, the batch in hand is lost",
  real: async (fixture, context) => groupFigures(await runGroup(fixture.single, BEFORE, context), BEFORE_FIGURES),
  scenario: () =>
    // kafkajs has no max.poll.records: its batch is the whole fetch, here the whole backlog.
    groupScenario(
      "kafka-commit-before",
      BEFORE,
      { "enable.auto.commit": false, commit: "before-processing", "max.poll.records": 1000 },
      [{ atMs: 3000, crash: "consumer", target: "g/1" }],
    ),
  simulated: (run) => simulatedGroup(run, BEFORE_FIGURES),
  rules: {
    sent: exact,
    duplicates: exact,
    unconsumed: {
      kind: "band",
      absolute: 30,
      why: "the rest of the 600-record batch at the kill: real records take a little over 10 ms (sleep, IPC), so the real consumer is a few dozen records behind the simulated one after 3 s",
    },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const FROZEN: GroupPlan = {
  ...CLOSE,
  seconds: 14,
  actions: [
    { atMs: 4000, worker: "owner", action: "pause" },
    { atMs: 13_000, worker: "owner", action: "resume" },
  ],
};
const FROZEN_FIGURES = ["sent", "consumed", "duplicates", "unconsumed", "maxLatencyMs"] as const;

const frozenConsumer: Experiment<KafkaFixture> = {
  id: "kafka/frozen-consumer-session-timeout",
  title: "A frozen consumer (SIGSTOP) keeps its sockets open: its partition moves only after the session timeout",
  description:
    "One partition, 100 records/s for 14 s, two consumer processes committing after each record. At 4 s the " +
    "owner is SIGSTOPped (frozen, connections open, no heartbeat) and at 13 s resumed. Counted: the longest " +
    "send-to-consumption time (the session timeout), duplicates and records never consumed. kafkajs has no " +
    "max.poll.interval.ms and heartbeats between records, so a consumer that is merely slow is also removed by " +
    "the session timeout there, where the Java client would keep heartbeating until max.poll.interval.ms; a " +
    "frozen process stops both clients' heartbeats alike.",
  behaviour: "hung consumer: detection by session timeout (mode hang)",
  real: async (fixture, context) => groupFigures(await runGroup(fixture.single, FROZEN, context), FROZEN_FIGURES),
  scenario: () =>
    groupScenario("kafka-frozen-consumer", FROZEN, { "enable.auto.commit": false, commit: "after-processing" }, [
      { atMs: 4000, crash: "consumer", target: "g/1", mode: "hang", restartAfter: "9s" },
    ]),
  simulated: (run) => simulatedGroup(run, FROZEN_FIGURES),
  rules: {
    sent: exact,
    consumed: exact,
    unconsumed: exact,
    duplicates: {
      kind: "within",
      min: 0,
      max: 1,
      why: "the record the frozen member was processing at the SIGSTOP: processed again by the new owner unless its commit had already left",
    },
    maxLatencyMs: { kind: "band", absolute: 2000, why: DETECTION_WHY },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const IDLE: GroupPlan = {
  partitions: 2,
  rate: 150,
  seconds: 8,
  keys: 100,
  // Auto-commit (at the end of each batch, in kafkajs) keeps a commit round trip out of every record.
  workers: [0, 1, 2, 3].map(() => ({ commit: "auto" as const, processingMs: 20 })),
  actions: [],
  settleMs: 12_000,
  ...LIVENESS,
};
const IDLE_FIGURES = ["sent", "consumedDuringRun"] as const;

const idleConsumers: Experiment<KafkaFixture> = {
  id: "kafka/idle-consumers-beyond-partitions",
  title: "Consumers beyond the partition count sit idle: four members on two partitions consume as two",
  description:
    "Two partitions, 150 keyed records/s for 8 s (keys key-0 ... key-99, placed by murmur2), a group of four " +
    "consumer processes taking 20 ms a record (auto-commit). Only two members get a partition, so the group " +
    "consumes about 2 x 50 records/s, less than the 150/s sent. Counted: records consumed within 9 s (the " +
    "producing time and 1 s).",
  behaviour: "one member per partition; members beyond the partition count are idle",
  real: async (fixture, context) => {
    const figures = await runGroup(fixture.single, IDLE, context);
    context.log(`idle members: ${figures.assignments.filter((a) => a.length === 0).length} of ${IDLE.workers.length}`);
    return groupFigures(figures, IDLE_FIGURES);
  },
  scenario: () => groupScenario("kafka-idle-consumers", IDLE, { "enable.auto.commit": true }, []),
  simulated: (run) => simulatedGroup(run, IDLE_FIGURES),
  rules: {
    sent: exact,
    consumedDuringRun: {
      kind: "band",
      relative: 0.12,
      why: "two busy members at 20 ms a record; real records take a little longer (timer and IPC on a shared 2-core machine), about 2-5%",
    },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const MAPPING = { partitions: 12, keys: 100 };

const keyMapping: Experiment<KafkaFixture> = {
  id: "kafka/key-partition-mapping",
  title: "Each key lands on the partition murmur2 gives it: per-partition record counts match exactly",
  description:
    `One record for each of ${MAPPING.keys} keys (key-0 ... key-99) is written to a ${MAPPING.partitions}-partition ` +
    "topic by kafkajs's default partitioner (Kafka's murmur2, as the Java client). Counted: records per partition.",
  behaviour: "key to partition mapping (murmur2, toPositive, modulo the partition count)",
  async real(fixture) {
    const kafka: Kafka = fixture.single.client();
    const topic = unique("key-mapping");
    await createTopic(kafka, topic, MAPPING.partitions);
    // Idempotent: a retried request (one full run saw the whole batch written twice) is not written again.
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const messages = Array.from({ length: MAPPING.keys }, (_, k) => ({ key: `key-${k}`, value: String(k) }));
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
    const counts = await recordsPerPartition(kafka, topic);
    return Object.fromEntries(counts.map((count, p) => [`partition${p}`, count]));
  },
  scenario: () => ({
    name: "kafka-key-mapping",
    seed: 1,
    duration: "2s",
    broker: { profile: "kafka", partitions: MAPPING.partitions, settings: { "linger.ms": 0 } },
    producers: [
      {
        name: "p",
        arrival: { process: "constant", rate: "100/s" },
        limit: MAPPING.keys,
        keys: { count: MAPPING.keys },
      },
    ],
    consumers: [{ group: "g", processing: "1ms" }],
  }),
  // The run's summary has no per-partition counts: the profile's partitioner is asked directly, with the
  // key strings the profile gives key index k ("key-k").
  simulated() {
    const counts = new Array<number>(MAPPING.partitions).fill(0);
    for (let k = 0; k < MAPPING.keys; k++) counts[partitionForKey(`key-${k}`, MAPPING.partitions)]!++;
    return Object.fromEntries(counts.map((count, p) => [`partition${p}`, count]));
  },
  rules: Object.fromEntries(Array.from({ length: MAPPING.partitions }, (_, p) => [`partition${p}`, exact])),
};

// ---------------------------------------------------------------------------------------------

const MIN_ISR = { records: 50, partitions: 1 };

const minInsyncRefusals: Experiment<KafkaFixture> = {
  id: "kafka/min-insync-replicas-refusal",
  title: "With min.insync.replicas 3 and one of three nodes down, every acks=all write is refused (NotEnoughReplicas)",
  description:
    "On the 3-node cluster, a topic of replication factor 3 with min.insync.replicas=3. One node that is neither " +
    "the partition's leader nor the active controller is SIGKILLed; once the controller has fenced it (the ISR is " +
    `down to 2), ${MIN_ISR.records} records are sent with acks=all, one by one, without retries (then ` +
    `${MIN_ISR.records} with acks=1, which all succeed: logged, not compared). Counted: acks=all records ` +
    "confirmed and failed.",
  behaviour: "min.insync.replicas: acks=all writes refused while the ISR is too small; acks=1 unaffected",
  async real(fixture, context) {
    const cluster = await fixture.cluster();
    const kafka = cluster.client();
    const topic = unique("min-isr");
    await createTopic(kafka, topic, MIN_ISR.partitions, [{ name: "min.insync.replicas", value: "3" }]);
    await cluster.waitInSync([topic]);
    const leader = (await cluster.partitionLeaders(topic)).get(0);
    const controller = cluster.activeController();
    const victim = cluster.nodes.find((n) => n.id !== leader && n.id !== controller);
    if (!victim) throw new Error(`no node other than leader ${leader} and controller ${controller}`);
    await victim.kill();
    context.log(`killed node ${victim.id} (leader ${leader}, controller ${controller})`);
    const confirmed = { all: 0, one: 0 };
    const failed = { all: 0, one: 0 };
    try {
      // Fenced after broker.session.timeout.ms (9 s): wait until the ISR shows it.
      const admin = kafka.admin();
      await admin.connect();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        if ((metadata.topics[0]?.partitions[0]?.isr.length ?? 3) < 3) break;
        if (Date.now() > deadline) throw new Error("the ISR never shrank");
        await sleep(200);
      }
      await admin.disconnect();
      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();
      try {
        for (const [acks, key] of [
          [-1, "all"],
          [1, "one"],
        ] as const) {
          for (let n = 0; n < MIN_ISR.records; n++) {
            try {
              await producer.send({ topic, acks, messages: [{ value: String(n) }] });
              confirmed[key]++;
            } catch (error) {
              // NotEnoughReplicas, retriable, and not retried here.
              if (failed[key]++ === 0) context.log(`acks=${acks}: ${(error as Error).message}`);
            }
          }
        }
      } finally {
        await producer.disconnect();
      }
    } finally {
      await victim.restart();
    }
    // acks=1 is not compared (acks is one setting for every producer of a scenario): it shows the refusal is min ISR's.
    context.log(`acks=1 on the same partition meanwhile: ${confirmed.one} confirmed, ${failed.one} failed`);
    return { confirmedAcksAll: confirmed.all, failedAcksAll: failed.all };
  },
  scenario: () => ({
    name: "kafka-min-insync-refusal",
    seed: 1,
    duration: "25s",
    drainTimeout: "30s",
    broker: {
      profile: "kafka",
      brokers: 3,
      settings: {
        "default.replication.factor": 3,
        "min.insync.replicas": 3,
        "linger.ms": 0,
        // kafkajs without retries fails at once; the Java client retries until delivery.timeout.ms, which this
        // sets as low as it goes so that every refused record has failed before the broker returns.
        "request.timeout.ms": 1000,
        "delivery.timeout.ms": 1000,
      },
    },
    producers: [
      {
        name: "all",
        // Nothing for 11 s (the first arrival of the first phase would come after 1,000 s), then 10/s.
        arrival: {
          process: "constant",
          phases: [
            { for: "11s", rate: "0.001/s" },
            { for: "5s", rate: "10/s" },
          ],
        },
        limit: MIN_ISR.records,
      },
    ],
    consumers: [{ group: "g", processing: "1ms" }],
    // broker/2 follows partition 0 (led by broker/1); fenced 9 s later, back after the sends.
    faults: [{ at: "500ms", crash: "broker", target: "broker/2", restartAfter: "17s" }],
  }),
  simulated: (run) => ({
    confirmedAcksAll: run.summary.messages.confirmed,
    failedAcksAll: run.summary.messages.rejected,
  }),
  rules: { confirmedAcksAll: exact, failedAcksAll: exact },
  timeoutMs: 120_000,
};

// ---------------------------------------------------------------------------------------------

const BROKER_KILL = { records: 400, rate: 100 };

const singleNodeProcessKill: Experiment<KafkaFixture> = {
  id: "kafka/single-node-process-kill",
  title: "SIGKILL of a single Kafka node loses no acknowledged record: the page cache outlives the process",
  description:
    `On the single node, a producer writes ${BROKER_KILL.records} records at ${BROKER_KILL.rate}/s with acks=all ` +
    "(each retried with backoff until it succeeds, as the Java client does within delivery.timeout.ms); at 1.5 s the broker process is SIGKILLed and restarted on the same data. Kafka " +
    "never fsyncs by default, so only the page cache holds the last records: a process crash keeps it (a host " +
    "crash would not, which this suite cannot do). Counted: records confirmed, and confirmed records missing " +
    "from the log afterwards.",
  behaviour: "broker process crash on one node: nothing written is lost (mode process)",
  async real(fixture, context) {
    const kafka = fixture.single.client();
    const topic = unique("process-kill");
    await createTopic(kafka, topic, 1);
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 100 },
    });
    await producer.connect();
    const confirmed = new Set<number>();
    let failures = 0;
    const node = fixture.single.nodes[0]!;
    const started = Date.now();
    let restarted: Promise<void> | undefined;
    try {
      const sends: Promise<void>[] = [];
      for (let n = 0; n < BROKER_KILL.records; n++) {
        const due = started + (n * 1000) / BROKER_KILL.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        if (!restarted && Date.now() - started >= 1500) {
          restarted = node.kill().then(() => node.restart());
          context.log(`killed the node at ${Date.now() - started} ms`);
        }
        sends.push(
          // kafkajs gives up at once on a refused connection: retry as the Java client does, with backoff
          // (100 ms doubling to 1 s) until a delivery timeout (here 60 s).
          sendRetrying(() => producer.send({ topic, acks: -1, messages: [{ value: String(n) }] }), 60_000)
            .then(() => void confirmed.add(n))
            .catch((error: Error) => {
              failures++;
              if (failures === 1) context.log(`send ${n} failed: ${error.message}`);
            }),
        );
      }
      await restarted;
      await Promise.all(sends);
    } finally {
      await restarted;
      await producer.disconnect();
    }
    const log = await readAll(kafka, topic, context);
    const missing = [...confirmed].filter((n) => !log.has(String(n))).length;
    return { confirmed: confirmed.size, lost: missing };
  },
  scenario: () => ({
    name: "kafka-single-node-process-kill",
    seed: 1,
    duration: "5s",
    drainTimeout: "2m",
    broker: { profile: "kafka", settings: { "linger.ms": 0 } },
    producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, limit: BROKER_KILL.records }],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "1500ms", crash: "broker", mode: "process", restartAfter: "10s" }],
  }),
  simulated: (run) => ({ confirmed: run.summary.messages.confirmed, lost: run.summary.messages.lost }),
  rules: { confirmed: exact, lost: exact },
  timeoutMs: 120_000,
};

// ---------------------------------------------------------------------------------------------

const ACKS1 = { records: 6000, rate: 1000, killAtMs: 3000 };

const acks1LeaderKill: Experiment<KafkaFixture> = {
  id: "kafka/acks1-leader-kill",
  title: "acks=1 on RF 3: a SIGKILLed leader takes the records its followers had not fetched yet with it",
  description:
    `On the 3-node cluster, a producer writes ${ACKS1.records} records at ${ACKS1.rate}/s with acks=1 to a ` +
    "one-partition topic of replication factor 3 (each record retried with backoff until it succeeds). At 3 s " +
    "the partition's leader (not the active controller) is SIGKILLed; the controller fences it about 9 s later " +
    "and a follower leads. Counted: records confirmed, and confirmed records missing from the log afterwards: " +
    "those the leader had acknowledged and its followers had not yet fetched.",
  behaviour: "acks=1 failover loss: the records appended since the followers' last fetch",
  async real(fixture, context) {
    const cluster = await fixture.cluster();
    const kafka = cluster.client();
    const topic = unique("acks1");
    await createTopic(kafka, topic, 1);
    await cluster.waitInSync([topic]);
    const leader = (await cluster.partitionLeaders(topic)).get(0);
    const controller = cluster.activeController();
    if (leader === undefined || leader === controller) {
      // Move on rather than kill the controller: the comparison is about the partition leader alone.
      context.log(`leader ${leader} is the active controller ${controller}: electing another is not done here`);
    }
    const victim = cluster.node(leader ?? 1);
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const confirmed = new Set<number>();
    const started = Date.now();
    let killed: Promise<void> | undefined;
    try {
      const sends: Promise<void>[] = [];
      for (let n = 0; n < ACKS1.records; n++) {
        const due = started + (n * 1000) / ACKS1.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        if (!killed && Date.now() - started >= ACKS1.killAtMs) {
          killed = victim.kill();
          context.log(`killed leader ${victim.id} at ${Date.now() - started} ms (controller ${controller})`);
        }
        sends.push(
          sendRetrying(() => producer.send({ topic, acks: 1, messages: [{ value: String(n) }] }), 60_000).then(
            () => void confirmed.add(n),
            () => {},
          ),
        );
      }
      await Promise.all(sends);
    } finally {
      await producer.disconnect();
      await killed;
      if (!victim.running) await victim.restart();
    }
    await cluster.waitInSync([topic]);
    const log = await readAll(kafka, topic, context);
    const missing = [...confirmed].filter((n) => !log.has(String(n))).sort((a, b) => a - b);
    context.log(`confirmed ${confirmed.size}; missing ${missing.length}: ${missing.slice(0, 20).join(",")}`);
    return { confirmed: confirmed.size, lost: missing.length };
  },
  scenario: () => ({
    name: "kafka-acks1-leader-kill",
    seed: 1,
    duration: "7s",
    drainTimeout: "2m",
    broker: {
      profile: "kafka",
      brokers: 3,
      // Loopback between the brokers of one machine.
      brokerLatency: "100us",
      settings: { "default.replication.factor": 3, "min.insync.replicas": 2, acks: 1, "linger.ms": 0 },
    },
    network: { latency: "100us" },
    producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: ACKS1.records, size: "16B" }],
    consumers: [{ group: "g", processing: "10us" }],
    faults: [{ at: "3s", crash: "broker", target: "broker/1", restartAfter: "1m" }],
  }),
  simulated: (run) => ({ confirmed: run.summary.messages.confirmed, lost: run.summary.messages.lost }),
  rules: {
    confirmed: {
      kind: "within",
      min: ACKS1.records - 10,
      max: ACKS1.records,
      why: "every record is retried until it is written; a record the leader appended and lost is still confirmed (acks=1), so only a record whose retries ran past 60 s would be missing",
    },
    lost: {
      kind: "within",
      min: 0,
      max: 10,
      why: "the records the leader acknowledged after its followers' last fetch: on one machine a follower's fetch round trip is a fraction of a millisecond (records come every 1 ms), but a loaded 2-core machine can delay a fetch by several ms",
    },
  },
  timeoutMs: 180_000,
};

// ---------------------------------------------------------------------------------------------

const JOIN: GroupPlan = {
  partitions: 4,
  rate: 100,
  seconds: 10,
  keys: 100,
  workers: [
    { commit: "after", processingMs: 2 },
    { commit: "after", processingMs: 2, startAtMs: 3000 },
  ],
  actions: [],
  ...LIVENESS,
};
const JOIN_FIGURES = ["sent", "consumed", "duplicates", "unconsumed", "maxLatencyMs"] as const;

const rebalanceOnJoin: Experiment<KafkaFixture> = {
  id: "kafka/rebalance-on-join",
  title:
    "A member joining a group triggers an eager rebalance: a pause of about a heartbeat, no duplicate with per-record commits",
  description:
    "Four partitions, 100 keyed records/s for 10 s, one consumer process committing each record after " +
    "processing it; a second consumer process is started at 3 s (it joins about a second later, once Node and " +
    "kafkajs have loaded). The classic protocol's eager rebalance revokes every partition, the first member " +
    "hears of it with its next heartbeat, and the partitions are split two and two. Counted: duplicates, " +
    "records never consumed, the longest send-to-consumption time (the pause).",
  behaviour: "rebalance on consumer join (classic protocol, eager)",
  async real(fixture, context) {
    const figures = await runGroup(fixture.single, JOIN, context);
    context.log(`partitions after the join: ${figures.assignments.map((a) => a.length).join(" and ")}`);
    return groupFigures(figures, JOIN_FIGURES);
  },
  scenario: () => {
    // The second member must be out of the group before the first record, as on the real side: it stops
    // (a clean stop leaves at once) at 0 and the rebalance that follows is over within a heartbeat; the
    // records start at 1.5 s (a first phase too slow to create any), and it joins 4 s after that.
    const scenario = groupScenario(
      "kafka-rebalance-on-join",
      JOIN,
      { "enable.auto.commit": false, commit: "after-processing" },
      [{ atMs: 0, stop: "consumer", target: "g/2", restartAfter: "5500ms" }],
    );
    const [producer] = scenario.producers as Record<string, unknown>[];
    producer!.arrival = {
      process: "constant",
      phases: [
        { for: "1500ms", rate: "0.001/s" },
        { for: `${JOIN.seconds}s`, rate: `${JOIN.rate}/s` },
      ],
    };
    return { ...scenario, duration: `${JOIN.seconds + 2.5}s` };
  },
  simulated: (run) => simulatedGroup(run, JOIN_FIGURES),
  rules: {
    sent: exact,
    consumed: exact,
    duplicates: exact,
    unconsumed: exact,
    maxLatencyMs: {
      kind: "band",
      absolute: 300,
      why: "the rejoin, sync and next fetch of both members, a few hundred ms at most on a shared machine",
    },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const AFTER_KILL: GroupPlan = { ...CLOSE, seconds: 14, actions: [{ atMs: 5000, worker: "owner", action: "kill" }] };
const AFTER_KILL_FIGURES = ["sent", "consumed", "duplicates", "unconsumed", "maxLatencyMs"] as const;

const commitAfterKill: Experiment<KafkaFixture> = {
  id: "kafka/commit-after-processing-kill",
  title:
    "Committing each record after processing it: a SIGKILLed member costs at most one duplicate, and a session timeout",
  description:
    "One partition, 100 records/s for 14 s, two consumer processes (2 ms a record) committing each record's " +
    "offset once it is processed. At 5 s the owner is SIGKILLed. Counted: duplicates (the record in hand, if " +
    "any), records never consumed, and the longest send-to-consumption time (the wait for the session timeout).",
  behaviour: "consumer crash with per-record commits: at-least-once with at most the record in hand repeated",
  real: async (fixture, context) =>
    groupFigures(await runGroup(fixture.single, AFTER_KILL, context), AFTER_KILL_FIGURES),
  scenario: () =>
    groupScenario("kafka-commit-after-kill", AFTER_KILL, { "enable.auto.commit": false, commit: "after-processing" }, [
      { atMs: 5000, crash: "consumer", target: "g/1" },
    ]),
  simulated: (run) => simulatedGroup(run, AFTER_KILL_FIGURES),
  rules: {
    sent: exact,
    consumed: exact,
    unconsumed: exact,
    duplicates: {
      kind: "within",
      min: 0,
      max: 1,
      why: "the record the member was processing or committing at the kill is repeated unless its commit had left; records arrive every 10 ms and take 2 ms, so usually none is",
    },
    maxLatencyMs: { kind: "band", absolute: 2000, why: DETECTION_WHY },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const TXN = { committed: 10, open: 5 };

const readCommittedAbort: Experiment<KafkaFixture> = {
  id: "kafka/read-committed-aborted-transaction",
  title:
    "A transactional producer SIGKILLed mid-transaction: its restart aborts the open transaction, read_committed never sees it",
  description:
    `A transactional producer process writes ${TXN.committed} records in a transaction and commits it, then ` +
    `writes ${TXN.open} more in a second transaction and is SIGKILLed with it open. A new producer with the same ` +
    "transactional.id starts (initTransactions), which aborts the open transaction. Counted: records a " +
    "read_committed consumer reads (a read_uncommitted one, logged, also reads the aborted ones) and the " +
    "records aborted.",
  behaviour: "transactions: read_committed hides aborted records; a producer restart aborts its open transaction",
  async real(fixture, context) {
    const kafka = fixture.single.client();
    const topic = unique("txn");
    const transactionalId = unique("txn-producer");
    await createTopic(kafka, topic, 1);
    const worker = await startWorker(context, "kafka-txn-producer", {
      brokers: fixture.single.bootstrap,
      topic,
      transactionalId,
      ...TXN,
    });
    await worker.waitFor("open", { timeoutMs: 30_000 });
    await worker.kill();
    // The restarted application: initTransactions with the same transactional.id fences and aborts the old one.
    const restarted = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    await restarted.connect();
    await restarted.disconnect();
    const committed = await readAll(kafka, topic, context, false);
    const uncommitted = await readAll(kafka, topic, context, true);
    context.log(`read_uncommitted reads ${uncommitted.size} records, read_committed ${committed.size}`);
    return { readCommitted: committed.size, aborted: uncommitted.size - committed.size };
  },
  scenario: () => ({
    name: "kafka-read-committed-abort",
    seed: 1,
    duration: "3s",
    broker: {
      profile: "kafka",
      settings: {
        "linger.ms": 0,
        "group.initial.rebalance.delay.ms": 0,
        // Records at 10, 20, ... ms: the first transaction holds 10 ms to 100 ms and commits at 105 ms; the
        // second takes 110 ms to 150 ms (5 records) and is open when the producer dies at 155 ms.
        "transaction.interval.ms": 95,
        "isolation.level": "read_committed",
      },
    },
    producers: [
      { name: "p", arrival: { process: "constant", rate: "100/s" }, limit: TXN.committed + TXN.open, size: "16B" },
    ],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "155ms", crash: "producer", target: "p", restartAfter: "1s" }],
  }),
  simulated: (run) => ({ readCommitted: run.summary.messages.consumed, aborted: run.summary.messages.rejected }),
  rules: { readCommitted: exact, aborted: exact },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const RESTART = { records: 1500, rate: 500, killAtMs: 1500 };

const producerRestart: Experiment<KafkaFixture> = {
  id: "kafka/idempotent-producer-restart",
  title:
    "An idempotent producer SIGKILLed and restarted resends what it had not seen confirmed: nothing lost, duplicates only from the request in flight",
  description:
    `An idempotent producer process writes ${RESTART.records} numbered records at up to ${RESTART.rate}/s, one ` +
    "send at a time with acks=all. At 1.5 s it is SIGKILLed; a new producer process (a new producer id) starts " +
    "from the first record the old one had not seen confirmed. The broker cannot recognise a record the old " +
    "session wrote but did not confirm, so it is written twice; within a session, retries would have been " +
    "deduplicated. Counted: records in the log, duplicates among them, records missing.",
  behaviour: "idempotence holds per producer session: a restarted producer can duplicate its in-flight records",
  async real(fixture, context) {
    const kafka = fixture.single.client();
    const topic = unique("producer-restart");
    await createTopic(kafka, topic, 1);
    const options = { brokers: fixture.single.bootstrap, topic, rate: RESTART.rate };
    const first = await startWorker(context, "kafka-producer", { ...options, from: 0, count: RESTART.records });
    await sleep(RESTART.killAtMs);
    await first.kill();
    const confirmed = first.all("confirmed").map((m) => Number(m.n));
    const resumeAt = confirmed.length === 0 ? 0 : Math.max(...confirmed) + 1;
    context.log(`killed the producer after ${confirmed.length} confirms; the new one starts at ${resumeAt}`);
    const second = await startWorker(context, "kafka-producer", {
      ...options,
      from: resumeAt,
      count: RESTART.records - resumeAt,
    });
    await second.waitFor("done", { timeoutMs: 60_000 });
    await second.stop();
    const log = await readAll(kafka, topic, context);
    return { distinct: log.size, duplicates: duplicatesOf(log), missing: RESTART.records - log.size };
  },
  scenario: () => ({
    name: "kafka-idempotent-producer-restart",
    seed: 1,
    duration: "6s",
    drainTimeout: "30s",
    broker: { profile: "kafka", settings: { "linger.ms": 0 } },
    network: { latency: "300us" },
    producers: [
      {
        name: "p",
        arrival: { process: "constant", rate: `${RESTART.rate}/s` },
        limit: RESTART.records,
        size: "16B",
        publish: { resendOnRestart: true },
      },
    ],
    consumers: [{ group: "g", processing: "10us" }],
    // The crash falls 0.4 ms after a send, during its round trip (written, not yet confirmed), where a producer
    // that sends one record at a time spends most of its time. The new process is up about a second later
    // (Node and kafkajs load first).
    faults: [{ at: `${RESTART.killAtMs * 1000 + 400}us`, crash: "producer", target: "p", restartAfter: "1s" }],
  }),
  simulated: (run) => {
    const m = run.summary.messages;
    return { distinct: m.consumed, duplicates: m.duplicated, missing: m.published - m.consumed };
  },
  rules: {
    distinct: exact,
    duplicates: {
      kind: "within",
      min: 0,
      max: 1,
      why: "only the one request in flight at the kill can have been written and not confirmed (one send at a time); whether it was is a matter of microseconds",
    },
    missing: exact,
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------

const REPLICATED = { records: 300, rate: 50 };

/** The replicated-latency scenario with `factor` replicas (3 for the experiment, 1 for its baseline). */
function replicatedScenario(factor: number): Record<string, unknown> {
  return {
    name: `kafka-replicated-latency-rf${factor}`,
    seed: 1,
    duration: `${REPLICATED.records / REPLICATED.rate + 1}s`,
    broker: {
      profile: "kafka",
      brokers: 3,
      // Loopback between brokers on one machine.
      brokerLatency: "200us",
      settings: {
        "default.replication.factor": factor,
        "min.insync.replicas": Math.min(2, factor),
        "linger.ms": 0,
        "group.initial.rebalance.delay.ms": 0,
      },
    },
    network: { latency: "200us" },
    producers: [
      {
        name: "p",
        arrival: { process: "constant", rate: `${REPLICATED.rate}/s` },
        limit: REPLICATED.records,
        size: "16B",
      },
    ],
    consumers: [{ group: "g", processing: "10us" }],
  };
}

/** The median send-to-receipt time of `records` records at `rate`/s through a one-partition topic of `factor` replicas. */
async function medianLatencyMs(
  fixtureCluster: Awaited<ReturnType<KafkaFixture["cluster"]>>,
  factor: number,
): Promise<number> {
  const kafka = fixtureCluster.client();
  const topic = unique(`replicated-rf${factor}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: factor }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  await fixtureCluster.waitInSync([topic]);
  const received = new Float64Array(REPLICATED.records).fill(-1);
  const sent = new Float64Array(REPLICATED.records);
  const consumer = kafka.consumer({ groupId: unique("replicated"), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const n = Number(message.value?.toString());
      if (received[n] === -1) received[n] = performance.now();
    },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await sleep(2000); // the consumer's group forms and its first fetch waits at the leader
    const started = performance.now();
    for (let n = 0; n < REPLICATED.records; n++) {
      const due = started + (n * 1000) / REPLICATED.rate;
      if (due > performance.now()) await sleep(due - performance.now());
      sent[n] = performance.now();
      await producer.send({ topic, acks: -1, messages: [{ value: String(n) }] });
    }
    await sleep(1000);
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
  const latencies = [...received].flatMap((at, n) => (at >= 0 ? [at - sent[n]!] : [])).sort((a, b) => a - b);
  return latencies[Math.floor(latencies.length / 2)] ?? -1;
}

const replicatedLatency: Experiment<KafkaFixture> = {
  id: "kafka/replication-latency",
  title: "Replication adds about one follower fetch round to the time a record takes to become readable",
  description:
    `On the 3-node cluster, ${REPLICATED.records} records at ${REPLICATED.rate}/s (acks=all, one send at a time) ` +
    "go through a one-partition topic of replication factor 1, then through one of replication factor 3, each " +
    "read by a consumer in the experiment's process. With RF 3 a record becomes readable when the high watermark " +
    "passes it, which the leader moves when the followers' next fetch requests tell it they have the record. " +
    "Counted: the median send-to-receipt time with RF 3 minus the same with RF 1, which takes the clients' own " +
    "time out of the comparison. queuesim gives the same difference from the experiment's scenario (RF 3) and " +
    "the same scenario with RF 1.",
  behaviour: "fetch-driven replication: the high watermark advances one follower fetch round after the append",
  async real(fixture, context) {
    const cluster = await fixture.cluster();
    const single = await medianLatencyMs(cluster, 1);
    const replicated = await medianLatencyMs(cluster, 3);
    context.log(`median send-to-receipt: RF 1 ${single.toFixed(2)} ms, RF 3 ${replicated.toFixed(2)} ms`);
    return { replicationMs: Math.round((replicated - single) * 10) / 10 };
  },
  scenario: () => replicatedScenario(3),
  simulated(run) {
    const baseline = validateScenario(replicatedScenario(1));
    if (!baseline.ok) throw new Error(`the RF 1 baseline is invalid: ${JSON.stringify(baseline.issues)}`);
    const single = runScenario(baseline.scenario).summary.latency.endToEnd.p50;
    return { replicationMs: Math.round((run.summary.latency.endToEnd.p50 - single) * 10) / 10 };
  },
  rules: {
    replicationMs: {
      kind: "band",
      absolute: 2,
      why: "on one machine a fetch round is the brokers' own handling of two requests, a fraction of a ms to a few ms on a shared 2-core machine running three JVMs; queuesim's is two legs of brokerLatency (200 us each)",
    },
  },
  timeoutMs: 150_000,
};

/** Calls `send` until it succeeds, waiting 100 ms doubling to 1 s between attempts; fails after `timeoutMs`. */
async function sendRetrying(send: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(1000, wait * 2)) {
    try {
      await send();
      return;
    } catch (error) {
      if (Date.now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}

export const fidelityExperiments: Experiment<KafkaFixture>[] = [
  keyMapping,
  autocommitKill,
  cleanClose,
  commitBeforeProcessing,
  frozenConsumer,
  idleConsumers,
  singleNodeProcessKill,
  minInsyncRefusals,
  acks1LeaderKill,
  rebalanceOnJoin,
  commitAfterKill,
  readCommittedAbort,
  producerRestart,
  replicatedLatency,
];
