/** Kafka producer-side experiments: key to partition mapping, read_committed with an aborted transaction, an idempotent producer restarted. */
import type { Kafka } from "kafkajs";
import { partitionForKey } from "../../src/brokers/kafka/partitioner.js";
import type { Experiment, Rule } from "../lib/experiment.js";
import { sleep } from "../lib/servers/kafka.js";
import { startWorker } from "../lib/worker.js";
import { createTopic, duplicatesOf, readAll, recordsPerPartition, unique } from "./clients.js";
import type { KafkaFixture } from "./suite.js";

const exact: Rule = { kind: "exact" };
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

export const producerExperiments: Experiment<KafkaFixture>[] = [keyMapping, readCommittedAbort, producerRestart];
