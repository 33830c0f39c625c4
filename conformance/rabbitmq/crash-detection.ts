/**
 * How soon RabbitMQ takes back a crashed consumer's unacked deliveries: at once when the consumer's
 * process dies (the OS closes its socket), after heartbeat detection when it hangs with the socket
 * open, and at once on a clean stop (basic.cancel, then close).
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { startWorker } from "../lib/worker.js";
import { firstOfRedeliveries, queueWithBatch, standbyConsumer } from "./common.js";
import type { RabbitFixture } from "./suite.js";

const HELD = 10;

const PROCESSING_MS = 1;

/**
 * The crash in queuesim: 10 messages published from 0.1 ms, 0.1 ms apart; g/1 takes them all (g/2 is
 * down until 500 ms) and is a million times slower than 1 ms a message, so it finishes none; it fails at
 * `crashAt` in `mode`; g/2 takes them back and works on all ten at once, 1 ms each. The first message
 * (published at 0.1 ms) waits longest, so the largest end-to-end latency is the crash time, plus the
 * requeue delay, plus 1 ms, less 0.1 ms.
 */
function crashScenario(name: string, mode: "process" | "hang", crashAt: number, settings: Record<string, unknown>) {
  return {
    name,
    seed: 1,
    duration: "2s",
    drainTimeout: "1min",
    network: { latency: "100us" },
    broker: { profile: "rabbitmq", settings: { version: "3.10", prefetch: HELD, ...settings } },
    producers: [{ name: "batch", arrival: { process: "constant", rate: "10000/s" }, limit: HELD }],
    consumers: [{ group: "g", instances: 2, concurrency: HELD, processing: `${PROCESSING_MS}ms` }],
    faults: [
      { at: 0, for: "2s", slow: { target: "g/1", factor: 1_000_000 } },
      { at: 0, crash: "consumer", target: "g/2", restartAfter: "500ms" },
      { at: `${crashAt}ms`, crash: "consumer", target: "g/1", mode },
    ],
  };
}

/** The requeue delay read from the simulated run (see crashScenario). */
function simulatedRequeueMs(run: Run, crashAtMs: number): number {
  return run.summary.latency.endToEnd.max - (crashAtMs - 0.1) - PROCESSING_MS;
}

/** The first consumer holds HELD unacked messages and processes none of them. */
async function heldByWorker(
  fixture: RabbitFixture,
  context: Parameters<Experiment<RabbitFixture>["real"]>[1],
  heartbeatS?: number,
) {
  const batch = await queueWithBatch(fixture, "crash", HELD);
  const options = { url: fixture.server.url, queue: batch.queue, prefetch: HELD, processingMs: 3_600_000, heartbeatS };
  const worker = await startWorker(context, "amqp-consumer", options);
  await worker.waitFor("received", { count: HELD });
  const standby = await standbyConsumer(fixture, batch.queue);
  return { worker, standby, batch };
}

export const consumerSigkillRequeue: Experiment<RabbitFixture> = {
  id: "rabbitmq/consumer-sigkill-requeue",
  title: "A consumer process killed with unacked deliveries: they are requeued within milliseconds",
  behaviour: "crash detection: process death closes the socket",
  description:
    "A consumer process (prefetch 10, manual acks) receives 10 messages and acks none; it is SIGKILLed. A second " +
    "consumer on the same queue records what it gets. Counted: messages redelivered (redelivered=true) to the " +
    "second consumer, and the time from the kill to the first redelivery.",
  async real(fixture, context) {
    const { worker, standby } = await heldByWorker(fixture, context);
    const killedAt = Date.now();
    await worker.kill();
    const firstAt = await firstOfRedeliveries(standby, HELD);
    return { redelivered: standby.filter((d) => d.redelivered).length, requeueMs: firstAt - killedAt };
  },
  scenario: () => crashScenario("rabbitmq-consumer-sigkill-requeue", "process", 1000, {}),
  simulated: (run: Run): Figures => ({
    redelivered: run.summary.messages.redeliveries,
    requeueMs: simulatedRequeueMs(run, 1000),
  }),
  rules: {
    redelivered: { kind: "exact" },
    requeueMs: {
      kind: "band",
      absolute: 50,
      why: "the close takes one loopback hop (0.1 ms simulated); the real figure adds the kernel's socket teardown, the broker's channel and queue processes and the Node event loop, a few ms, more on a busy 2-core machine",
    },
  },
};

const HEARTBEAT_S = 3;
/** When the simulated consumer freezes, after connecting at 0: the real worker freezes about as soon after connecting. */
const FREEZE_AT_MS = 300;

export const consumerSigstopHeartbeat: Experiment<RabbitFixture> = {
  id: "rabbitmq/consumer-sigstop-heartbeat",
  title: "A frozen consumer (SIGSTOP) keeps its deliveries until heartbeats give up: 2 to 3 intervals",
  behaviour: "crash detection: heartbeat timeout on a silent connection",
  description:
    "A consumer process asks for a 3 s heartbeat, receives 10 messages (prefetch 10) and acks none; it is frozen " +
    "with SIGSTOP, its socket left open. A second consumer records what it gets. Counted: messages redelivered, and " +
    "the time from the freeze to the first redelivery. RabbitMQ checks for incoming bytes every 3 s from the " +
    "connection's start and closes it at the second silent check in a row.",
  async real(fixture, context) {
    const { worker, standby } = await heldByWorker(fixture, context, HEARTBEAT_S);
    const frozenAt = Date.now();
    worker.pause();
    const firstAt = await firstOfRedeliveries(standby, HELD, 15_000);
    await worker.kill();
    return { redelivered: standby.filter((d) => d.redelivered).length, requeueMs: firstAt - frozenAt };
  },
  scenario: () =>
    crashScenario("rabbitmq-consumer-sigstop-heartbeat", "hang", FREEZE_AT_MS, { heartbeat: `${HEARTBEAT_S}s` }),
  simulated: (run: Run): Figures => ({
    redelivered: run.summary.messages.redeliveries,
    requeueMs: simulatedRequeueMs(run, FREEZE_AT_MS),
  }),
  rules: {
    redelivered: { kind: "exact" },
    requeueMs: {
      kind: "band",
      absolute: 700,
      why: "the broker's checks run from the connection's start: the real worker freezes 0.1 to 0.6 s after connecting (tsx start-up, 10 deliveries, IPC), which shifts the delay by as much; the model freezes it at 0.3 s",
    },
  },
  timeoutMs: 40_000,
};

export const cleanStopRequeue: Experiment<RabbitFixture> = {
  id: "rabbitmq/clean-stop-requeue",
  title: "A consumer that cancels and closes cleanly hands back its unstarted deliveries at once",
  behaviour: "clean stop: basic.cancel, then channel close",
  description:
    "A consumer process (prefetch 10, 300 ms per message) has received 10 messages and is working on the first " +
    "when it is asked to stop: basic.cancel, finish the message under way, ack it, close. A second consumer records " +
    "what it gets. Counted: messages redelivered to the second consumer, and messages the stopping consumer finished.",
  async real(fixture, context) {
    const batch = await queueWithBatch(fixture, "clean-stop", HELD);
    const options = { url: fixture.server.url, queue: batch.queue, prefetch: HELD, processingMs: 300 };
    const worker = await startWorker(context, "amqp-consumer", options);
    await worker.waitFor("received", { count: HELD });
    const standby = await standbyConsumer(fixture, batch.queue);
    await worker.stop();
    await firstOfRedeliveries(standby, HELD - worker.count("consumed"));
    return { redelivered: standby.filter((d) => d.redelivered).length, finished: worker.count("consumed") };
  },
  scenario: () => ({
    name: "rabbitmq-clean-stop-requeue",
    seed: 1,
    duration: "1s",
    drainTimeout: "1min",
    network: { latency: "100us" },
    broker: { profile: "rabbitmq", settings: { version: "3.10", prefetch: HELD } },
    producers: [{ name: "batch", arrival: { process: "constant", rate: "10000/s" }, limit: HELD }],
    consumers: [{ group: "g", instances: 2, processing: "300ms" }],
    faults: [
      { at: 0, crash: "consumer", target: "g/2", restartAfter: "50ms" },
      { at: "100ms", stop: "consumer", target: "g/1" },
    ],
  }),
  simulated: (run: Run): Figures => ({
    redelivered: run.summary.messages.redeliveries,
    finished: run.summary.messages.consumed - run.summary.messages.redeliveries,
  }),
  rules: { redelivered: { kind: "exact" }, finished: { kind: "exact" } },
};
