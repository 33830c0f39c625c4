/** BullMQ stalled jobs: a killed worker's job comes back after its lock runs out and two stalled checks; a second stall fails it. */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { uniqueName } from "../lib/names.js";
import {
  bullmqBroker,
  LOCK_MS,
  openQueue,
  run,
  STALLED_INTERVAL_MS,
  simulatedTimes,
  sleepUntil,
  stampOf,
  startBullmqWorker,
  timing,
} from "./common.js";
import type { BullmqFixture } from "./suite.js";

/** The job is added this long after worker A starts (between A's stalled checks at 0 and 1 s). */
const JOB_AT_MS = 500;
const PROCESSING_MS = 200;
/** Worker B starts this long after A (its first check finds A's check of 0 ms still fresh). */
const B_RUNS_AT_MS = 800;
/** In the simulated run worker C starts 100 ms after B receives the job (at the check of 2.8 s). */
const C_RUNS_AT_MS = 2900;

export const workerKillStalled: Experiment<BullmqFixture> = {
  id: "bullmq/worker-kill-stalled",
  title:
    "A worker SIGKILLed after its side effect: the job stalls, comes back after lock expiry and two checks, runs twice",
  behaviour: "consumer crash, bullmq: lock expiry and the stalled-job check",
  description:
    `BullMQ workers with lockDuration ${LOCK_MS} ms and stalledInterval ${STALLED_INTERVAL_MS} ms. Worker A starts; ${JOB_AT_MS} ms later ` +
    `one job is added; A processes it for ${PROCESSING_MS} ms, reports its side effect and is SIGKILLed before ` +
    `moveToCompleted. Worker B starts ${B_RUNS_AT_MS} ms after A. Counted: when B receives the job (ms after B started: its ` +
    "checks mark it, then find it unlocked), how often the processor ran to its side effect, the job's stalled counter, and whether it completed.",
  async real(fixture, context) {
    const name = uniqueName("bullmq-stalled");
    const queue = openQueue(fixture, name);
    const a = await startBullmqWorker(context, fixture, name, { processingMs: PROCESSING_MS, holdMs: 5000 });
    const b = await startBullmqWorker(context, fixture, name, { processingMs: PROCESSING_MS });
    const started = await run(a);
    await sleepUntil(started + JOB_AT_MS);
    const job = await queue.add("job", { id: 0 });
    await a.killAfter("processed", 1);
    await sleepUntil(started + B_RUNS_AT_MS);
    const bStarted = await run(b);
    const again = await stampOf(b, "received");
    await b.waitFor("completed", { timeoutMs: 5000 });
    const final = await queue.getJob(job.id!);
    context.log(`B ran at ${bStarted - started} ms, received the job at ${again - started} ms`);
    return {
      receivedAgainAfterBRanMs: again - bStarted,
      processorRuns: a.count("processed") + b.count("processed"),
      stalledCounter: final?.stalledCounter ?? -1,
      completed: (await queue.getCompletedCount()) === 1 ? 1 : 0,
    };
  },
  scenario: () => ({
    name: "bullmq-worker-kill-stalled",
    seed: 1,
    duration: "6s",
    broker: bullmqBroker(),
    // One job at 500 ms.
    producers: [{ name: "adder", arrival: { process: "constant", rate: "2/s" }, limit: 1 }],
    consumers: [{ group: "workers", instances: 2, processing: `${PROCESSING_MS}ms` }],
    faults: [
      { at: 0, crash: "consumer", target: "workers/2", restartAfter: `${B_RUNS_AT_MS}ms` },
      { at: 0, crash: "consumer", target: "workers/1", point: "after-side-effect" },
    ],
  }),
  simulated: (result: Run): Figures => ({
    receivedAgainAfterBRanMs: (simulatedTimes(result).deliveriesMs[1] ?? -1) - B_RUNS_AT_MS,
    processorRuns: result.summary.messages.consumed + result.summary.messages.duplicated,
    stalledCounter: result.summary.messages.redeliveries,
    completed: result.summary.messages.consumed,
  }),
  rules: {
    receivedAgainAfterBRanMs: timing,
    processorRuns: { kind: "exact" },
    stalledCounter: { kind: "exact" },
    completed: { kind: "exact" },
  },
  timeoutMs: 40_000,
};

export const stalledTwiceFailed: Experiment<BullmqFixture> = {
  id: "bullmq/stalled-twice-failed",
  title: "A job that stalls twice (maxStalledCount 1) is failed by the next worker that fetches it",
  behaviour: "consumer crash, bullmq: maxStalledCount",
  description:
    `As bullmq/worker-kill-stalled, but worker B is SIGKILLed as soon as it receives the stalled job; worker C starts ` +
    "100 ms later. The job stalls a second time and C's fetch fails it ('job stalled more than allowable limit') " +
    "without running the processor. Counted: when it failed (ms after C started: two of C's checks), processor starts, failed jobs.",
  async real(fixture, context) {
    const name = uniqueName("bullmq-stalled-twice");
    const queue = openQueue(fixture, name);
    const workers = { processingMs: PROCESSING_MS, holdMs: 5000 };
    const a = await startBullmqWorker(context, fixture, name, workers);
    const b = await startBullmqWorker(context, fixture, name, workers);
    const c = await startBullmqWorker(context, fixture, name, workers);
    const started = await run(a);
    await sleepUntil(started + JOB_AT_MS);
    await queue.add("job", { id: 0 });
    await a.killAfter("received", 1);
    await sleepUntil(started + B_RUNS_AT_MS);
    await run(b);
    const bReceived = await stampOf(b, "received");
    await b.kill();
    await sleepUntil(bReceived + 100);
    const cStarted = await run(c);
    const failedAt = await stampOf(c, "failed", 1, 20_000);
    const reason = c.all("failed")[0]?.reason;
    context.log(
      `B got it at ${bReceived - started} ms, C ran at ${cStarted - started} ms, failed it at +${failedAt - cStarted} ms: ${reason}`,
    );
    return {
      failedAfterCRanMs: failedAt - cStarted,
      processorStarts: a.count("received") + b.count("received") + c.count("received"),
      failed: await queue.getFailedCount(),
    };
  },
  scenario: () => ({
    name: "bullmq-stalled-twice-failed",
    seed: 1,
    duration: "8s",
    broker: bullmqBroker({ maxStalledCount: 1 }),
    producers: [{ name: "adder", arrival: { process: "constant", rate: "2/s" }, limit: 1 }],
    consumers: [{ group: "workers", instances: 3, processing: `${PROCESSING_MS}ms` }],
    faults: [
      { at: 0, crash: "consumer", target: "workers/1", point: "after-receive" },
      { at: 0, crash: "consumer", target: "workers/2", restartAfter: `${B_RUNS_AT_MS}ms` },
      { at: "900ms", crash: "consumer", target: "workers/2", point: "after-receive" },
      // C starts 100 ms after B receives the job; B receives it at the check of 2.8 s (see the experiment above).
      { at: 0, crash: "consumer", target: "workers/3", restartAfter: `${C_RUNS_AT_MS}ms` },
    ],
  }),
  simulated: (result: Run): Figures => ({
    failedAfterCRanMs: (simulatedTimes(result).deadLettersMs[0] ?? -1) - C_RUNS_AT_MS,
    processorStarts: result.summary.messages.deliveries,
    failed: result.summary.messages.deadLettered,
  }),
  rules: { failedAfterCRanMs: timing, processorStarts: { kind: "exact" }, failed: { kind: "exact" } },
  timeoutMs: 40_000,
};
