import type { Run } from "../../src/index.js";
import type { Experiment, Figures, Rule } from "../lib/experiment.js";
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

export const groupExperiments: Experiment<KafkaFixture>[] = [
  autocommitKill,
  cleanClose,
  commitBeforeProcessing,
  frozenConsumer,
  idleConsumers,
  rebalanceOnJoin,
  commitAfterKill,
];
