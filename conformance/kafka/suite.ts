/**
 * Kafka's conformance experiments, against a real Apache Kafka 4.x (KRaft) started from the jars
 * fetch-jars.sh caches. The fixture is one node, started by setUp, and a 3-node cluster started
 * only when an experiment first asks for it (it costs several seconds and three JVMs).
 *
 * The clients are kafkajs, not the Java client the profile models. Where they differ the scenarios
 * say so: kafkajs does not linger (`linger.ms: 0`), and its default partitioner is Kafka's murmur2.
 * Each send() names one partition: kafkajs 2.2.4 silently drops the records of a send() that spans
 * several leaders when one leader dies and its partitions move to a broker that already answered
 * (sendMessages keeps answers per broker, and a broker with an answer is not asked again).
 */
import { join } from "node:path";
import type { Consumer, Kafka, Producer } from "kafkajs";
import { partitionForKey } from "../../src/brokers/kafka/partitioner.js";
import type { Run } from "../../src/index.js";
import type { BrokerSuite, Experiment, Figures, RealContext } from "../lib/experiment.js";
import { type KafkaCluster, sleep, startKafkaCluster, startKafkaSingle } from "../lib/servers/kafka.js";
import { clusterExperiments } from "./cluster-experiments.js";
import { groupExperiments } from "./group-experiments.js";
import { producerExperiments } from "./producer-experiments.js";

export interface KafkaFixture {
  /** One node (RF 1), started by setUp. */
  single: KafkaCluster;
  /** The 3-node cluster (RF 3, min.insync.replicas 2), started on first use and kept for later experiments. */
  cluster(): Promise<KafkaCluster>;
  /** The cluster if an experiment asked for it (undefined if it never started). */
  startedCluster(): Promise<KafkaCluster | undefined>;
}

/** Java's fetch.max.wait.ms (kafkajs waits 5 s by default, which also delays disconnect()). */
const CONSUMER = { maxWaitTimeInMs: 500 };

/** A name no earlier run on the same server used (topics and groups outlive an experiment). */
function unique(name: string): string {
  return `${name}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

// ---------------------------------------------------------------------------------------------
// kafka/key-ordering

const ORDERING = { records: 1000, keys: 20, partitions: 6, consumers: 2, ratePerSecond: 1000 };

/** A record's value: its place in the producer's sequence and its key. */
interface Payload {
  seq: number;
  key: number;
}

const keyOrdering: Experiment<KafkaFixture> = {
  id: "kafka/key-ordering",
  title: "Records of one key are consumed in the order they were produced, across a group of two",
  description:
    `One producer writes ${ORDERING.records} records with ${ORDERING.keys} keys (key-0 ... key-19) to a ` +
    `${ORDERING.partitions}-partition topic on one node, at ${ORDERING.ratePerSecond}/s, each send ` +
    `acknowledged (acks=all) before the next. A consumer group of ${ORDERING.consumers} members, ` +
    "formed before the first record, reads them. Counted: records consumed at least once, records consumed " +
    "more than once, and first consumptions that came after a later record of the same key.",
  behaviour: "per-key ordering through the key partitioner; one partition per group member",
  async real(fixture, context) {
    const kafka = fixture.single.client();
    const topic = unique("key-ordering");
    const groupId = unique("key-ordering");
    await createTopic(kafka, topic, ORDERING.partitions);

    const seen = new Map<number, number>(); // seq -> times consumed
    const lastSeqOfKey = new Map<number, number>();
    let outOfOrder = 0;
    const partitionOfKey = new Map<number, number>();
    const consumers: Consumer[] = [];
    const assigned = new Map<number, number[]>(); // member -> partitions of its latest assignment
    try {
      for (let member = 0; member < ORDERING.consumers; member++) {
        const consumer = kafka.consumer({ groupId, ...CONSUMER });
        consumers.push(consumer);
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          assigned.set(member, event.payload.memberAssignment[topic] ?? []);
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            const { seq, key } = JSON.parse(message.value?.toString() ?? "{}") as Payload;
            partitionOfKey.set(key, partition);
            const times = (seen.get(seq) ?? 0) + 1;
            seen.set(seq, times);
            if (times > 1) return; // order is judged on first consumptions, as queuesim's witness does
            const last = lastSeqOfKey.get(key);
            if (last !== undefined && last > seq) outOfOrder++;
            else lastSeqOfKey.set(key, seq);
          },
        });
      }
      // Wait for the group to settle: every member assigned, all partitions covered once.
      const formed = Date.now();
      await until("the consumer group to settle", 30_000, () => {
        const all = [...assigned.values()].flat();
        return (
          assigned.size === ORDERING.consumers &&
          [...assigned.values()].every((p) => p.length > 0) &&
          all.length === ORDERING.partitions &&
          new Set(all).size === ORDERING.partitions
        );
      });
      context.log(
        `group settled after ${Date.now() - formed} ms: ${[...assigned.entries()].map(([m, p]) => `member ${m}: [${p.join(",")}]`).join("; ")}`,
      );

      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const started = Date.now();
        const batch = 10;
        for (let seq = 0; seq < ORDERING.records; seq += batch) {
          const due = started + (seq * 1000) / ORDERING.ratePerSecond;
          if (due > Date.now()) await sleep(due - Date.now());
          const messages = [];
          for (let i = seq; i < Math.min(seq + batch, ORDERING.records); i++) {
            const payload: Payload = { seq: i, key: i % ORDERING.keys };
            messages.push({ key: `key-${payload.key}`, value: JSON.stringify(payload) });
          }
          await producer.send({ topic, acks: -1, messages });
        }
        context.log(`produced ${ORDERING.records} records in ${Date.now() - started} ms`);
      } finally {
        await producer.disconnect();
      }

      await until(`all ${ORDERING.records} records consumed`, 30_000, () => seen.size >= ORDERING.records);
      await sleep(500); // room for a late duplicate to show up
    } finally {
      for (const consumer of consumers) await consumer.disconnect();
    }
    const duplicates = [...seen.values()].filter((times) => times > 1).length;
    const misplaced = [...partitionOfKey].filter(
      ([key, p]) => partitionForKey(`key-${key}`, ORDERING.partitions) !== p,
    );
    context.log(
      `kafkajs placed ${partitionOfKey.size - misplaced.length} of ${partitionOfKey.size} keys where queuesim's partitioner does` +
        (misplaced.length > 0 ? `; not: ${JSON.stringify(misplaced)}` : ""),
    );
    return { delivered: seen.size, duplicates, outOfOrder };
  },
  scenario() {
    return {
      name: "kafka-key-ordering",
      description: "Keyed records through a 6-partition topic to a group of two keep their per-key order.",
      seed: 1,
      duration: "5s",
      broker: {
        profile: "kafka",
        partitions: ORDERING.partitions,
        settings: {
          // As on the real server: the group forms at once, not after 3 s.
          "group.initial.rebalance.delay.ms": 0,
          // kafkajs sends at once (it has no linger).
          "linger.ms": 0,
        },
      },
      producers: [
        {
          name: "orders",
          arrival: { process: "constant", rate: `${ORDERING.ratePerSecond}/s` },
          limit: ORDERING.records,
          keys: { count: ORDERING.keys },
          size: "64B",
        },
      ],
      consumers: [{ group: "billing", instances: ORDERING.consumers, processing: "50us" }],
      expect: { delivery: "at-least-once", ordering: "per-key" },
    };
  },
  simulated(run: Run): Figures {
    const m = run.summary.messages;
    return { delivered: m.consumed, duplicates: m.duplicated, outOfOrder: m.outOfOrder };
  },
  rules: {
    delivered: { kind: "exact" },
    duplicates: { kind: "exact" },
    outOfOrder: { kind: "exact" },
  },
  timeoutMs: 90_000,
};

// ---------------------------------------------------------------------------------------------
// kafka/acks-all-leader-kill

const KILL = { partitions: 6, ratePerSecond: 500, seconds: 20, killAtMs: 5000, keys: 1000, tickMs: 20 };
const KILL_RECORDS = KILL.ratePerSecond * KILL.seconds;

const acksAllLeaderKill: Experiment<KafkaFixture> = {
  id: "kafka/acks-all-leader-kill",
  title: "acks=all on RF 3 with min ISR 2 loses no confirmed record when a partition leader is SIGKILLed",
  description:
    `On a 3-node cluster (each node broker and controller), a producer writes ${KILL_RECORDS} keyed records ` +
    `(${KILL.keys} keys) at ${KILL.ratePerSecond}/s with acks=all to a ${KILL.partitions}-partition topic of ` +
    `replication factor 3 and min.insync.replicas 2. At ${KILL.killAtMs / 1000} s one node that leads ` +
    "partitions (not the active KRaft controller) is killed with SIGKILL; it comes back after the last send. " +
    "The producer keeps one request in flight per partition and retries it with a backoff of 100 ms " +
    "doubling to 1 s. Counted: records sent, confirmed, " +
    "failed, confirmed records missing from the log afterwards, and the longest send-to-confirm time of a " +
    "record sent after the kill: the stall until the controller fences the dead node " +
    "(broker.session.timeout.ms, 9 s) and moves its leaderships and ISR places.",
  behaviour: "broker crash with replication: acks=all loses nothing confirmed; writes stall until fencing",
  async real(fixture, context) {
    const cluster = await fixture.cluster();
    const kafka = cluster.client();
    const topic = unique("acks-all");
    await createTopic(kafka, topic, KILL.partitions);
    await cluster.waitInSync([topic]);

    const leaders = await cluster.partitionLeaders(topic);
    const controller = cluster.activeController();
    const victimId = [...leaders.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, leader]) => leader)
      .find((leader) => leader >= 0 && leader !== controller);
    if (victimId === undefined) throw new Error(`no partition leader other than the controller (${controller})`);
    const victim = cluster.node(victimId);
    const led = [...leaders.entries()].filter(([, l]) => l === victimId).map(([p]) => p);
    context.log(
      `leaders ${JSON.stringify([...leaders])}; controller ${controller}; killing node ${victimId} (leads ${led.join(",")})`,
    );

    const producer: Producer = kafka.producer({
      allowAutoTopicCreation: false,
      // Java's retry.backoff.ms 100 doubling to retry.backoff.max.ms 1000 with 20% jitter; retries
      // bounded only by time here (Java: delivery.timeout.ms 120 s), so ample.
      retry: { initialRetryTime: 100, maxRetryTime: 1000, factor: 0.2, multiplier: 2, retries: 200 },
    });
    await producer.connect();
    const sentAt = new Float64Array(KILL_RECORDS);
    const confirmedAt = new Float64Array(KILL_RECORDS).fill(-1);
    let failed = 0;
    const started = Date.now();
    let killed: Promise<void> | undefined;
    let killedAtMs = Number.POSITIVE_INFINITY;
    // Like the Java producer's accumulator: records wait per partition, and each partition has one
    // request in flight carrying everything that waited (at most 1,000 records). One send() per
    // partition also keeps clear of kafkajs's multi-leader send() bug (top of this file), and a stall
    // leaves six requests retrying, not thousands.
    const senders = Array.from({ length: KILL.partitions }, (_, partition) => new PartitionSender(partition));
    let producing = true;
    const loops = senders.map(async (sender) => {
      for (;;) {
        if (sender.queue.length === 0) {
          if (!producing) return;
          await sender.next();
          continue;
        }
        const seqs = sender.queue.splice(0, 1000);
        try {
          await producer.send({
            topic,
            acks: -1,
            messages: seqs.map((i) => ({ key: `key-${i % KILL.keys}`, value: String(i), partition: sender.partition })),
          });
          const at = Date.now();
          for (const i of seqs) confirmedAt[i] = at;
        } catch {
          failed += seqs.length;
        }
      }
    });
    try {
      const perTick = (KILL.ratePerSecond * KILL.tickMs) / 1000;
      for (let seq = 0; seq < KILL_RECORDS; seq += perTick) {
        const due = started + (seq * 1000) / KILL.ratePerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
        if (!killed && Date.now() - started >= KILL.killAtMs) {
          killedAtMs = Date.now() - started;
          killed = victim.kill();
          context.log(`killed node ${victimId} at ${killedAtMs} ms`);
        }
        const now = Date.now();
        for (let i = seq; i < Math.min(seq + perTick, KILL_RECORDS); i++) {
          sentAt[i] = now;
          // Each record to the partition Kafka's partitioner gives its key.
          senders[partitionForKey(`key-${i % KILL.keys}`, KILL.partitions)]?.add(i);
        }
      }
      producing = false;
      for (const sender of senders) sender.wake();
      await killed;
      context.log(`sent ${KILL_RECORDS} records in ${Date.now() - started} ms; waiting for the last confirms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(loops), new Promise((done) => (timer = setTimeout(done, 120_000)))]);
      clearTimeout(timer);
      context.log(`leaders after the kill: ${JSON.stringify([...(await cluster.partitionLeaders(topic))])}`);
    } finally {
      producing = false;
      for (const sender of senders) sender.wake();
      await producer.disconnect();
      // The cluster is shared: whatever happened, bring the node back.
      await killed;
      if (!victim.running) await victim.restart();
    }
    const confirmed = confirmedAt.filter((at) => at >= 0).length;
    // The stall the kill causes, as the longest send-to-confirm time of a record sent after it. Records
    // sent before it wait no longer than those sent at the kill unless something else held them (a
    // loaded machine): their longest wait is logged, not compared.
    const slowest = (after: boolean) => {
      let worst = { ms: 0, seq: -1 };
      for (let i = 0; i < KILL_RECORDS; i++) {
        const at = confirmedAt[i] ?? -1;
        const sent = sentAt[i] ?? 0;
        if (at < 0 || sent - started >= killedAtMs !== after) continue;
        if (at - sent > worst.ms) worst = { ms: at - sent, seq: i };
      }
      return worst;
    };
    const before = slowest(false);
    const after = slowest(true);
    const maxConfirmMs = after.ms;
    context.log(
      `confirmed ${confirmed}, failed ${failed}; slowest confirm of a record sent after the kill ${after.ms} ms ` +
        `(#${after.seq}, sent at ${(sentAt[after.seq] ?? started) - started} ms), before it ${before.ms} ms (#${before.seq})`,
    );

    // The node is back (above): once it has caught up, read the whole topic.
    const back = Date.now();
    await cluster.waitInSync([topic]);
    context.log(`node ${victimId} back in every ISR ${Date.now() - back} ms after its restart`);
    const inLog = await readAll(kafka, topic, context);
    const missing: number[] = [];
    for (let i = 0; i < KILL_RECORDS; i++) if ((confirmedAt[i] ?? -1) >= 0 && !inLog.has(i)) missing.push(i);
    const lost = missing.length;
    if (lost > 0) {
      const described = missing.slice(0, 10).map((i) => {
        const partition = partitionForKey(`key-${i % KILL.keys}`, KILL.partitions);
        return `#${i} partition ${partition} sent ${(sentAt[i] ?? 0) - started} ms confirmed ${(confirmedAt[i] ?? 0) - started} ms`;
      });
      context.log(`confirmed but not in the log: ${described.join("; ")}${lost > 10 ? " ..." : ""}`);
    }
    const copies = [...inLog.values()].reduce((sum, n) => sum + n, 0);
    context.log(
      `log holds ${inLog.size} distinct records, ${copies - inLog.size} extra copies (retries of written records)`,
    );
    return { sent: KILL_RECORDS, confirmed, failed, lost, maxConfirmMs };
  },
  scenario() {
    return {
      name: "kafka-acks-all-leader-kill",
      description:
        "acks=all on RF 3, min ISR 2: a leader's crash stalls writes until fencing and loses nothing confirmed.",
      seed: 1,
      duration: `${KILL.seconds + 1}s`, // the last of the limit is due at 20 s exactly
      broker: {
        profile: "kafka",
        partitions: KILL.partitions,
        brokers: 3,
        settings: {
          "default.replication.factor": 3,
          "min.insync.replicas": 2,
          "group.initial.rebalance.delay.ms": 0,
          acks: "all",
          "linger.ms": 0, // kafkajs does not linger
        },
      },
      producers: [
        {
          name: "orders",
          arrival: { process: "constant", rate: `${KILL.ratePerSecond}/s` },
          limit: KILL_RECORDS,
          keys: { count: KILL.keys },
          size: "16B",
        },
      ],
      consumers: [{ group: "audit", processing: "50us" }],
      // broker/1 leads partitions 0 and 3 (placement.ts); it restarts at the end of the run.
      faults: [{ at: `${KILL.killAtMs}ms`, crash: "broker", target: "broker/1" }],
      expect: { delivery: "at-least-once" },
    };
  },
  simulated(run: Run): Figures {
    const m = run.summary.messages;
    // acks=all: a record is readable exactly when it is confirmed (the high watermark passed it), so the
    // longest end-to-end latency is the longest confirm plus one fetch and 50 us of processing.
    return {
      sent: m.published,
      confirmed: m.confirmed,
      failed: m.rejected,
      lost: m.lost,
      maxConfirmMs: run.summary.latency.endToEnd.max,
    };
  },
  rules: {
    sent: { kind: "exact" },
    confirmed: { kind: "exact" },
    failed: { kind: "exact" },
    lost: { kind: "exact" },
    maxConfirmMs: {
      kind: "band",
      absolute: 3000,
      why:
        "the real controller fences a broker 9 s after its last heartbeat (sent every 2 s) and looks for " +
        "expired sessions every 1.1 s, so 7-10 s after the kill where queuesim says 9 s; then the stuck " +
        "request's next retry, up to 1 s plus 20% jitter later, reaches the new leader (real 7-11.3 s, " +
        "simulated 9.8 s)",
    },
  },
  timeoutMs: 180_000,
};

// ---------------------------------------------------------------------------------------------
// Shared client helpers

/** Records waiting for one partition, and a way for its send loop to sleep until more come. */
class PartitionSender {
  readonly queue: number[] = [];
  private waiting: (() => void) | undefined;

  constructor(readonly partition: number) {}

  add(seq: number): void {
    this.queue.push(seq);
    this.wake();
  }

  wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  next(): Promise<void> {
    return new Promise((done) => {
      this.waiting = done;
    });
  }
}

async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Reads every record of `topic` (values are sequence numbers) with a fresh group: seq -> copies. */
async function readAll(kafka: Kafka, topic: string, context: RealContext): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  const copies = new Map<number, number>();
  let read = 0;
  const consumer = kafka.consumer({ groupId: unique("read-all"), ...CONSUMER });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const seq = Number(message.value?.toString());
        copies.set(seq, (copies.get(seq) ?? 0) + 1);
        read++;
      },
    });
    await until(`reading the ${total} records of ${topic}`, 60_000, () => read >= total);
  } finally {
    await consumer.disconnect();
  }
  context.log(`read ${read} records back`);
  return copies;
}

async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------

export const kafkaSuite: BrokerSuite<KafkaFixture> = {
  broker: "kafka",
  async setUp(dir, context) {
    const options = { port: () => context.port(), log: (line: string) => context.log(line) };
    const single = await startKafkaSingle(join(dir, "single"), options);
    let cluster: Promise<KafkaCluster> | undefined;
    return {
      single,
      cluster() {
        cluster ??= startKafkaCluster(join(dir, "cluster"), 3, options);
        return cluster;
      },
      // A cluster that failed to start has already killed its nodes.
      startedCluster: () => cluster?.catch(() => undefined) ?? Promise.resolve(undefined),
    };
  },
  async tearDown(fixture) {
    const cluster = await fixture.startedCluster();
    await Promise.all([fixture.single.stop(), cluster?.stop()]);
  },
  version: (fixture) => fixture.single.version,
  experiments: [keyOrdering, acksAllLeaderKill, ...groupExperiments, ...producerExperiments, ...clusterExperiments],
};
