/** BullMQ job retries and the queue rate limiter: exponential backoff delays, and limiter {max, duration} throughput. */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures, Rule } from "../lib/experiment.js";
import { uniqueName } from "../lib/names.js";
import { bullmqBroker, openQueue, run, simulatedTimes, stampOf, startBullmqWorker } from "./common.js";
import type { BullmqFixture } from "./suite.js";

const ATTEMPTS = 4;
const BACKOFF_MS = 200;

/**
 * A retry's backoff ends when the worker's BZPOPMIN on the queue's marker times out. Redis 7.0 times out
 * blocked clients from its event loop, which wakes for serverCron at hz 10, so the real retry comes up to
 * 100 ms late, plus the worker's round trips: 24 measured gaps ran 1 to 160 ms over the backoff, most of
 * them about 100 ms. The model promotes a delayed job exactly when it is due.
 */
const backoffTiming: Rule = {
  kind: "band",
  absolute: 250,
  why: "Redis times out the worker's blocked BZPOPMIN at its next event-loop wake-up (hz 10: up to 100 ms late; 1 to 160 ms measured), and the worker's calls add a few ms more on a loaded machine",
};

/** Gaps between consecutive times. */
const gaps = (times: number[]) => times.slice(1).map((time, i) => time - times[i]!);

export const backoffExponential: Experiment<BullmqFixture> = {
  id: "bullmq/backoff-exponential",
  title: "A job that always fails waits delay, 2 x delay, 4 x delay between its attempts, then fails",
  behaviour: "failed processing, bullmq: attempts and exponential backoff",
  description:
    `One job with attempts ${ATTEMPTS} and backoff {type: exponential, delay: ${BACKOFF_MS}}; the worker's processor ` +
    "always throws at once. Counted: the gaps between the processor's starts (ms), its starts, and failed jobs.",
  async real(fixture, context) {
    const name = uniqueName("bullmq-backoff");
    const queue = openQueue(fixture, name);
    const worker = await startBullmqWorker(context, fixture, name, { fail: true });
    await run(worker);
    await queue.add("job", { id: 0 }, { attempts: ATTEMPTS, backoff: { type: "exponential", delay: BACKOFF_MS } });
    await stampOf(worker, "failed", ATTEMPTS, 10_000);
    const starts = worker.all("received").map((m) => m.at as number);
    const [first = -1, second = -1, third = -1] = gaps(starts);
    context.log(`starts ${starts.map((t) => t - starts[0]!).join(", ")} ms after the first`);
    return {
      firstGapMs: first,
      secondGapMs: second,
      thirdGapMs: third,
      starts: starts.length,
      failed: await queue.getFailedCount(),
    };
  },
  scenario: () => ({
    name: "bullmq-backoff-exponential",
    seed: 1,
    duration: "3s",
    broker: bullmqBroker({ attempts: ATTEMPTS, backoff: { type: "exponential", delay: `${BACKOFF_MS}ms` } }),
    producers: [{ name: "adder", arrival: { process: "constant", rate: "2/s" }, limit: 1 }],
    consumers: [{ group: "workers", processing: "0ms" }],
    faults: [{ poison: { fraction: 1 } }],
  }),
  simulated: (result: Run): Figures => {
    const [first = -1, second = -1, third = -1] = gaps(simulatedTimes(result).deliveriesMs);
    return {
      firstGapMs: first,
      secondGapMs: second,
      thirdGapMs: third,
      starts: result.summary.messages.deliveries,
      failed: result.summary.messages.deadLettered,
    };
  },
  rules: {
    firstGapMs: backoffTiming,
    secondGapMs: backoffTiming,
    thirdGapMs: backoffTiming,
    starts: { kind: "exact" },
    failed: { kind: "exact" },
  },
};

const JOBS = 23;
const LIMIT = { max: 5, duration: 1000 };

export const limiterThroughput: Experiment<BullmqFixture> = {
  id: "bullmq/limiter-throughput",
  title: "limiter {max: 5, duration: 1000}: 23 queued jobs start five per window, the last in the fifth window",
  behaviour: "overload, bullmq: the queue rate limiter",
  description:
    `${JOBS} jobs are queued, then a worker with concurrency 10 and limiter {max: ${LIMIT.max}, duration: ` +
    `${LIMIT.duration}} starts; each job takes 10 ms. Counted: jobs started in the first 900 ms, when the last one ` +
    "started (ms after the worker started), and jobs completed.",
  async real(fixture, context) {
    const name = uniqueName("bullmq-limiter");
    const queue = openQueue(fixture, name);
    const worker = await startBullmqWorker(context, fixture, name, {
      concurrency: 10,
      processingMs: 10,
      limiter: LIMIT,
    });
    await queue.addBulk(Array.from({ length: JOBS }, (_, id) => ({ name: "job", data: { id } })));
    const started = await run(worker);
    const last = await stampOf(worker, "received", JOBS, 15_000);
    await worker.waitFor("completed", { count: JOBS, timeoutMs: 5000 });
    const starts = worker.all("received").map((m) => (m.at as number) - started);
    context.log(`starts at ${starts.join(", ")} ms`);
    return {
      startedInFirstWindow: starts.filter((t) => t < 900).length,
      lastStartMs: last - started,
      completed: await queue.getCompletedCount(),
    };
  },
  scenario: () => ({
    name: "bullmq-limiter-throughput",
    seed: 1,
    duration: "6s",
    broker: bullmqBroker({ limiter: { max: LIMIT.max, duration: `${LIMIT.duration}ms` } }),
    producers: [{ name: "adder", arrival: { process: "constant", rate: "1000/s" }, limit: JOBS }],
    consumers: [{ group: "workers", concurrency: 10, processing: "10ms" }],
    // The jobs are all queued (by 23 ms) when the worker starts at 500 ms.
    faults: [{ at: 0, crash: "consumer", target: "workers/1", restartAfter: "500ms" }],
  }),
  simulated: (result: Run): Figures => {
    const starts = simulatedTimes(result).deliveriesMs.map((t) => t - 500);
    return {
      startedInFirstWindow: starts.filter((t) => t < 900).length,
      lastStartMs: starts[starts.length - 1] ?? -1,
      completed: result.summary.messages.consumed,
    };
  },
  rules: {
    startedInFirstWindow: { kind: "exact" },
    lastStartMs: {
      kind: "band",
      absolute: 200,
      why: "each window opens at the first fetch after the last one closed, so four windows' late setTimeouts and round trips add up (10 to 109 ms measured over 9 runs)",
    },
    completed: { kind: "exact" },
  },
};
