// Bytes allocated on the JavaScript heap per simulated event, for every broker profile (and Kafka's replicated
// and lanes paths, a producer waiting for confirms, a dedup store, a dependency call per message), on a long run
// of the same M/M/4 workload.
// What a run allocates is the heap's growth between collections: the used heap size just before each collection
// minus its size just after the previous one (v8.GCProfiler records both), plus what is left at the end. Typed
// arrays' backing stores live outside the heap, so a table growing counts only its small wrapper; garbage made
// per message or per event is what this sees.
import { GCProfiler, getHeapStatistics } from "node:v8";
import { profiles } from "../src/brokers/profiles.js";
import { runScenario } from "../src/pipeline/run-scenario.js";
import { validateScenario } from "../src/scenario/load.js";

export interface AllocationMeasurement {
  /** The case: a profile's name, or a variant's. */
  name: string;
  events: number;
  allocatedBytes: number;
  bytesPerEvent: number;
}

/** A workload measured: a profile's, or a variant whose hot path the profile's own workload does not reach. */
interface AllocationCase {
  name: string;
  broker: Record<string, unknown>;
  /** Fields added to the consumer group. */
  group?: Record<string, unknown>;
  /** Fields added to the producer. */
  producer?: Record<string, unknown>;
  /** Fields added to the scenario. */
  scenario?: Record<string, unknown>;
  /** Consumer groups after the workload's own (`workers`): a pipeline's later stages, a saga's other steps. */
  consumers?: Record<string, unknown>[];
}

/** A consumer group shaped as the workload's own: four instances, exponential 1 ms. */
function group(name: string): Record<string, unknown> {
  return { group: name, instances: 4, processing: { dist: "exponential", mean: "1ms" } };
}

/** Every profile on the benchmark's workload (keyed, and 8 partitions, for Kafka), then Kafka's other hot paths. */
const allocationCases: readonly AllocationCase[] = [
  ...profiles.map((p) => ({
    name: p.name,
    broker: p.name === "kafka" ? { profile: "kafka", partitions: 8 } : { profile: p.name },
  })),
  {
    // Follower fetches, the high watermark and confirms after the ISR has the record (replication.ts).
    name: "kafka acks=all, 3 replicas",
    broker: {
      profile: "kafka",
      partitions: 8,
      brokers: 3,
      settings: { acks: "all", "default.replication.factor": 3, "min.insync.replicas": 2 },
    },
  },
  // A consumer processing 4 records at once gets its poll batch by lanes, one partition each (lanes.ts).
  { name: "kafka, 4 records at once", broker: { profile: "kafka", partitions: 8 }, group: { concurrency: 4 } },
  // The producer's and the consumer's own paths, the same with every profile.
  {
    name: "rabbitmq, publish timeout",
    broker: { profile: "rabbitmq" },
    producer: { publish: { timeout: "5s", retries: 2, backoff: "50ms" } },
  },
  {
    name: "rabbitmq, dedup store",
    broker: { profile: "rabbitmq" },
    group: { idempotency: { strategy: "dedup-store" } },
  },
  {
    // Processing as steps: a call to a service that fails one time in ten, retried with backoff (src/patterns).
    name: "rabbitmq, a call per message",
    broker: { profile: "rabbitmq" },
    scenario: { dependencies: { payments: { latency: "500us", timeout: "50ms", errors: { transient: 0.1 } } } },
    group: {
      steps: [{ call: "payments", sideEffect: true }],
      retry: { maxAttempts: 3, backoff: { type: "exponential", base: "1ms" } },
    },
  },
  {
    // A pipeline stage writing through a transactional outbox its relay polls (src/model/outbox.ts, src/run/flows.ts).
    name: "rabbitmq, a stage's outbox",
    broker: { profile: "rabbitmq" },
    group: {
      publishTo: "shipping",
      idempotency: { strategy: "transactional" },
      writes: { mode: "outbox", commit: "1ms", relay: { pollInterval: "10ms", batchSize: 100 } },
    },
    consumers: [group("shipping")],
  },
  {
    // A saga of two steps whose second fails one time in twenty, compensated by a third group (src/run/sagas.ts).
    name: "rabbitmq, a saga",
    broker: { profile: "rabbitmq" },
    scenario: {
      sagas: {
        checkout: {
          steps: [
            { group: "workers", compensate: "refund" },
            { group: "shipping", failure: 0.05 },
          ],
          timeout: "30s",
        },
      },
    },
    consumers: [group("shipping"), group("refund")],
  },
  {
    // Every message a request the workers answer, with a timeout and a retry (src/run/requests.ts).
    name: "rabbitmq, request-reply",
    broker: { profile: "rabbitmq" },
    producer: { request: { to: "workers", timeout: "1s", retries: 1, backoff: "100ms", maxOutstanding: 1000 } },
  },
];

/** The benchmark's workload (Poisson 3,600/s, four consumers, exponential 1 ms) for one case. */
function workload(subject: AllocationCase, seconds: number): Record<string, unknown> {
  return {
    name: `allocation-${subject.name.replace(/[^a-z0-9]+/g, "-")}`,
    seed: 1,
    duration: `${seconds}s`,
    broker: subject.broker,
    network: { latency: 0 },
    ...subject.scenario,
    producers: [{ name: "load", rate: "3600/s", keys: { count: 1000 }, ...subject.producer }],
    consumers: [{ ...group("workers"), ...subject.group }, ...(subject.consumers ?? [])],
  };
}

/** Runs `work` and returns the bytes it allocated on the JavaScript heap (collections included). */
export function heapBytesAllocatedBy(work: () => void): number {
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  work();
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const collections = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let usedAfterPrevious = usedBefore;
  for (const collection of collections) {
    allocated += collection.beforeGC.heapStatistics.usedHeapSize - usedAfterPrevious;
    usedAfterPrevious = collection.afterGC.heapStatistics.usedHeapSize;
  }
  return allocated + usedAtEnd - usedAfterPrevious;
}

/** Bytes per event of one case (a profile's name, or a variant's) over `seconds` of simulated time (3,600 messages a second). */
export function measureAllocation(name: string, seconds: number): AllocationMeasurement {
  const parsed = validateScenario(allocationWorkload(name, seconds));
  if (!parsed.ok) throw new Error(`the allocation workload is invalid for ${name}: ${JSON.stringify(parsed.issues)}`);
  let events = 0;
  const allocatedBytes = heapBytesAllocatedBy(() => {
    events = runScenario(parsed.scenario).summary.simulated.events;
  });
  return { name, events, allocatedBytes, bytesPerEvent: allocatedBytes / events };
}

/** The scenario (as written, before validation) of the case named `name` over `seconds` of simulated time. */
export function allocationWorkload(name: string, seconds: number): Record<string, unknown> {
  const subject = allocationCases.find((c) => c.name === name);
  if (subject === undefined) throw new Error(`no allocation case is named ${name}`);
  return workload(subject, seconds);
}

/** Every case measured: each profile users can name, in the order the docs list them, then Kafka's variants. */
export const allocationCaseNames: readonly string[] = allocationCases.map((c) => c.name);
