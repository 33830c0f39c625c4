import { runScenario, validateScenario } from "../../src/index.js";
import type { Experiment, Rule } from "../lib/experiment.js";
import { sleep } from "../lib/servers/kafka.js";
import { createTopic, readAll, unique } from "./clients.js";
import type { KafkaFixture } from "./suite.js";

const exact: Rule = { kind: "exact" };
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

export const clusterExperiments: Experiment<KafkaFixture>[] = [
  singleNodeProcessKill,
  minInsyncRefusals,
  acks1LeaderKill,
  replicatedLatency,
];
