/**
 * One consumer-group experiment on a real Kafka: a producer in this process writes numbered records
 * at a steady rate (each send acknowledged, acks=all, before the next), consumer workers (separate
 * processes, conformance/workers/kafka-consumer.ts) read them, and a script of actions at fixed
 * times kills (SIGKILL), stops (LeaveGroup), pauses (SIGSTOP), resumes or starts workers. A backlog,
 * if any, is written in one request once the group has formed, just before the live records. Measured:
 * records sent, consumed at least once, extra consumptions, records never consumed, the longest
 * time from send to first consumption, and records first consumed within the producing time plus 1 s
 * (queuesim's `duration` for the same run).
 */
import type { Kafka } from "kafkajs";
import type { RealContext } from "../lib/experiment.js";
import type { KafkaCluster } from "../lib/servers/kafka.js";
import { sleep } from "../lib/servers/kafka.js";
import { startWorker, type Worker, type WorkerMessage } from "../lib/worker.js";
import { createTopic, unique, until } from "./clients.js";

export type Commit = "auto" | "after" | "before";

export interface GroupPlan {
  partitions: number;
  /** Records per second, for `seconds`. */
  rate: number;
  seconds: number;
  /** One entry per worker: how it commits and how long a record takes. */
  workers: { commit: Commit; processingMs: number; startAtMs?: number }[];
  /** Actions at times from the first send. */
  /** `owner`: whoever holds partition 0 at that moment; `standby`: the first worker that holds nothing. */
  actions: { atMs: number; worker: number | "owner" | "standby"; action: "kill" | "stop" | "pause" | "resume" }[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  autoCommitIntervalMs?: number;
  /** Records written before the consumers start (a backlog), sent as fast as acks allow. */
  backlog?: number;
  /** Keys key-0 ... key-(keys-1), in turn, so that both sides place records by murmur2 (no key: partition 0). */
  keys?: number;
  /** How long to wait after the last send for stragglers (default 8 s). */
  settleMs?: number;
}

export interface GroupFigures {
  sent: number;
  consumed: number;
  duplicates: number;
  unconsumed: number;
  maxLatencyMs: number;
  consumedDuringRun: number;
  /** Per worker: the partitions of its last assignment. */
  assignments: number[][];
}

export async function runGroup(cluster: KafkaCluster, plan: GroupPlan, context: RealContext): Promise<GroupFigures> {
  const kafka: Kafka = cluster.client();
  const topic = unique("group");
  const groupId = unique("group");
  await createTopic(kafka, topic, plan.partitions);
  const total = (plan.backlog ?? 0) + plan.rate * plan.seconds;
  const sentAt = new Float64Array(total).fill(-1);
  const firstConsumedAt = new Float64Array(total).fill(-1);
  const consumptions = new Uint16Array(total);
  const workers: (Worker | undefined)[] = [];
  const assignments: number[][] = plan.workers.map(() => []);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let consumedDuringRun = 0;
  const workerOptions = {
    brokers: cluster.bootstrap,
    topic,
    groupId,
    sessionTimeoutMs: plan.sessionTimeoutMs,
    heartbeatIntervalMs: plan.heartbeatIntervalMs,
    ...(plan.autoCommitIntervalMs === undefined ? {} : { autoCommitIntervalMs: plan.autoCommitIntervalMs }),
  };
  const start = async (index: number) => {
    const spec = plan.workers[index]!;
    const worker = await startWorker(context, "kafka-consumer", {
      ...workerOptions,
      commit: spec.commit,
      processingMs: spec.processingMs,
    });
    const assigned = (report: WorkerMessage) => {
      reported.add(index);
      assignments[index] = report.partitions as number[];
      context.log(`worker ${index} assigned [${assignments[index]!.join(",")}] at ${Date.now() - t0} ms`);
    };
    // kafkajs joins inside consumer.run(), before the worker says it is ready: its first report came already.
    const earlier = worker.all("assigned").at(-1);
    if (earlier) assigned(earlier);
    worker.on("assigned", assigned);
    worker.on("consumed", (report) => {
      const n = Number(report.id);
      consumptions[n] = (consumptions[n] ?? 0) + 1;
      if (firstConsumedAt[n] === -1) {
        const at = Date.now();
        firstConsumedAt[n] = at;
        // As queuesim counts it: consumed before `duration`, which is the producing time plus 1 s.
        if (at <= t0 + (plan.seconds + 1) * 1000) consumedDuringRun++;
      }
    });
    workers[index] = worker;
  };
  const message = (n: number) =>
    plan.keys === undefined ? { value: String(n), partition: 0 } : { value: String(n), key: `key-${n % plan.keys}` };
  const reported = new Set<number>();
  const chosen = new Map<string, number>();
  let t0 = Date.now();
  try {
    for (let index = 0; index < plan.workers.length; index++) {
      if (plan.workers[index]!.startAtMs === undefined) await start(index);
    }
    const initial = plan.workers.filter((w) => w.startAtMs === undefined).length;
    // Formed: every initial worker has an assignment from the same (latest) rebalance, covering every partition.
    await until("the group to form", 30_000, () => {
      const covered = new Set(assignments.flat());
      return (
        reported.size === initial && covered.size === plan.partitions && assignments.flat().length === plan.partitions
      );
    });
    // The backlog goes in one produce request, so that it is appended at once and fetched as one batch.
    const backlog = plan.backlog ?? 0;
    if (backlog > 0) {
      const at = Date.now();
      for (let n = 0; n < backlog; n++) sentAt[n] = at;
      await producer.send({ topic, acks: -1, messages: Array.from({ length: backlog }, (_, n) => message(n)) });
    }
    t0 = Date.now();
    const pending = [...plan.actions].sort((a, b) => a.atMs - b.atMs);
    const startsDue = plan.workers.map((w, i) => ({ i, at: w.startAtMs })).filter((s) => s.at !== undefined);
    for (let k = 0; k < plan.rate * plan.seconds; k++) {
      const due = t0 + (k * 1000) / plan.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (pending.length > 0 && pending[0]!.atMs <= Date.now() - t0) act(pending.shift()!);
      for (const s of startsDue.filter((s) => s.at !== undefined && s.at <= Date.now() - t0)) {
        s.at = undefined;
        void start(s.i);
      }
      const n = backlog + k;
      sentAt[n] = Date.now();
      await producer.send({ topic, acks: -1, messages: [message(n)] });
    }
    while (pending.length > 0) act(pending.shift()!);
    const settle = Date.now() + (plan.settleMs ?? 8000);
    await until("the last records", (plan.settleMs ?? 8000) + 1000, () => {
      return firstConsumedAt.every((at) => at >= 0) || Date.now() > settle;
    });
    await sleep(300);
  } finally {
    await producer.disconnect();
    await Promise.all(workers.map((w) => w?.stop(3000)));
  }

  function act(step: GroupPlan["actions"][number]): void {
    let index: number;
    if (typeof step.worker === "number") index = step.worker;
    else {
      // Resolved once, so that a later action on "owner" means the same worker (resume after pause).
      index =
        chosen.get(step.worker) ??
        (step.worker === "owner" ? ownerOf(assignments, 0) : assignments.findIndex((a) => a.length === 0));
      chosen.set(step.worker, index);
    }
    const worker = workers[index];
    context.log(`${step.action} worker ${index} (${step.worker}) at ${Date.now() - t0} ms`);
    if (!worker) return;
    if (step.action === "kill") void worker.kill();
    else if (step.action === "stop") void worker.stop(10_000);
    else if (step.action === "pause") worker.pause();
    else worker.resume();
  }

  let consumed = 0;
  let duplicates = 0;
  let maxLatencyMs = 0;
  for (let n = 0; n < total; n++) {
    const times = consumptions[n] ?? 0;
    if (times > 0) consumed++;
    if (times > 1) duplicates += times - 1;
    const at = firstConsumedAt[n] ?? -1;
    if (at >= 0 && n >= (plan.backlog ?? 0)) maxLatencyMs = Math.max(maxLatencyMs, at - (sentAt[n] ?? at));
  }
  const figures = {
    sent: total,
    consumed,
    duplicates,
    unconsumed: total - consumed,
    maxLatencyMs,
    consumedDuringRun,
    assignments,
  };
  context.log(`group run: ${JSON.stringify(figures)}`);
  workers.forEach((worker, index) => {
    const ids = worker?.all("consumed").map((m) => Number(m.id)) ?? [];
    context.log(
      `worker ${index} consumed ${ids.length}: first ${ids.slice(0, 3).join(",")} ... last ${ids.slice(-3).join(",")}`,
    );
  });
  return figures;
}

/** The worker that owns `partition` in the assignment reported last. */
export function ownerOf(assignments: number[][], partition: number): number {
  return assignments.findIndex((partitions) => partitions.includes(partition));
}
