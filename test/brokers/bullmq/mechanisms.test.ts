// Proves the bullmq profile's mechanisms with exact timelines: a dead worker's lock runs out and the stalled check moves its job back to wait, maxStalledCount fails it, attempts wait their fixed or exponential backoff, a job retried out of the active list is never stalled, the limiter's window caps throughput, priorities and delayed jobs order the work.
import { describe, expect, it } from "vitest";
import { every100ms, messagesIn, run } from "../redis/run.js";

/** A bullmq broker section with no service time, so timelines stay exact. */
function bullmq(settings: Record<string, unknown> = {}) {
  return { profile: "bullmq", serviceTime: 0, settings };
}

const deliveredOrConsumed = (lines: readonly string[]) =>
  lines.filter((line) => line.includes("delivered") || line.includes("consumed") || line.includes("dead-lettered"));

const fast = { lockDuration: "1s", stalledInterval: "1s" };

describe("bullmq", () => {
  it("moves a crashed worker's job back to wait once its lock has run out and a check has seen it twice", () => {
    const { result, log } = run({
      duration: "1s",
      broker: bullmq(fast),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "300ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g", point: "after-side-effect", restartAfter: "100ms" }],
    });
    // Fetched at 0.1 s; the worker dies at 0.4 s, after its side effect. Its lock, renewed every 0.5 s
    // from 0.1 s, was last set at 0.1 s: it runs out at 1.1 s. The restarted worker checks at 0.5 s (too
    // soon after the check at 0), 1.5 s (marks the job) and 2.5 s (the job is still marked and has no
    // lock: back to wait). Its second run is a repeat: nothing made it idempotent.
    expect(deliveredOrConsumed(log.lines)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=400000 consumed m0 g0 c0 x1",
      "t=2500000 delivered m0 g0 c0 waited 2400000 attempt 2",
      "t=2800000 consumed m0 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 1, lost: 0, pending: 0, deadLettered: 0 });
  });

  it("fails a job that stalled more than maxStalledCount times when a worker next fetches it", () => {
    const { result, log } = run({
      duration: "10s",
      broker: bullmq({ ...fast, maxStalledCount: 1 }),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "300ms" }],
      faults: [
        { at: 0, crash: "consumer", target: "g/1", point: "after-receive", restartAfter: "4s" },
        { at: "1500ms", crash: "consumer", target: "g/2", point: "after-receive" },
      ],
    });
    // c0 dies holding m0 (lock until 1.1 s); c1's checks at 1 s (marks it) and 2 s (stalled once) give it to
    // c1, which dies at once (lock until 3 s). No worker checks until c0 is back at 4.1 s: that check marks
    // it, the one at 5.1 s finds it stalled a second time (2 > maxStalledCount), and c0's fetch fails it.
    expect(deliveredOrConsumed(log.lines)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=2000000 delivered m0 g0 c1 waited 1900000 attempt 2",
      "t=5100000 dead-lettered m0 g0 stalled",
    ]);
    expect(result.counts).toMatchObject({ consumed: 0, deadLettered: 1, lost: 0, pending: 0 });
  });

  it("waits the exponential backoff between attempts, then fails the job: delay, 2 x delay", () => {
    const { result, log } = run({
      duration: "1s",
      broker: bullmq({ attempts: 3, backoff: { type: "exponential", delay: "1s" } }),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(deliveredOrConsumed(log.lines)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=1150000 delivered m0 g0 c0 waited 1050000 attempt 2",
      "t=3200000 delivered m0 g0 c0 waited 3100000 attempt 3",
      "t=3250000 dead-lettered m0 g0 attempts",
    ]);
    expect(result.counts).toMatchObject({ deadLettered: 1, consumed: 0, lost: 0, pending: 0 });
  });

  it("waits the same fixed backoff before every retry, and retries at once without one", () => {
    const fixed = run({
      duration: "1s",
      broker: bullmq({ attempts: 3, backoff: { type: "fixed", delay: "400ms" } }),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(messagesIn(fixed.log.lines, "delivered")).toHaveLength(3);
    expect(fixed.log.lines.filter((line) => line.includes("delivered")).map((line) => line.split(" ")[0])).toEqual([
      "t=100000",
      "t=550000",
      "t=1000000",
    ]);
    const immediate = run({
      duration: "1s",
      broker: bullmq({ attempts: 2 }),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(deliveredOrConsumed(immediate.log.lines)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=150000 delivered m0 g0 c0 waited 50000 attempt 2",
      "t=200000 dead-lettered m0 g0 attempts",
    ]);
  });

  it("fails at once without attempts (BullMQ's default: one)", () => {
    const { result } = run({
      duration: "1s",
      broker: bullmq(),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(result.counts).toMatchObject({ deliveries: 3, deadLettered: 3, consumed: 0 });
  });

  it("moves at most limiter.max jobs to active per window", () => {
    const { result, log } = run({
      duration: "2s",
      broker: bullmq({ limiter: { max: 2, duration: "1s" } }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, limit: 7 }],
      consumers: [{ group: "g", instances: 3, concurrency: 4, processing: "1ms" }],
    });
    // Windows start at the first job after the last one ends: 10 ms, 1.01 s, 2.01 s, 3.01 s.
    const times = log.lines.filter((line) => line.includes("delivered")).map((line) => line.split(" ")[0]);
    expect(times).toEqual(["t=10000", "t=20000", "t=1010000", "t=1010000", "t=2010000", "t=2010000", "t=3010000"]);
    expect(result.counts).toMatchObject({ consumed: 7, lost: 0 });
  });

  it("runs a backlog's higher message priorities first with priority: from-message", () => {
    const { log } = run({
      duration: "1s",
      broker: bullmq({ priority: "from-message" }),
      producers: [
        { name: "low", arrival: { process: "constant", rate: "100/s" }, limit: 3, priority: 1 },
        { name: "high", arrival: { process: "constant", rate: "100/s" }, limit: 3, priority: 9 },
      ],
      consumers: [{ group: "g", processing: "100ms" }],
    });
    // Six jobs arrive while the worker runs the first (m0, low); then the three high ones, then the low ones.
    expect(messagesIn(log.lines, "consumed")).toEqual([0, 1, 3, 5, 2, 4]);
  });

  it("holds every job in the delayed set for `delay`", () => {
    const { log } = run({
      duration: "350ms",
      broker: bullmq({ delay: "250ms" }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.lines.filter((line) => line.includes("delivered"))).toEqual([
      "t=350000 delivered m0 g0 c0 waited 250000",
      "t=450000 delivered m1 g0 c0 waited 250000",
      "t=550000 delivered m2 g0 c0 waited 250000",
    ]);
  });

  it("keeps finished jobs in Redis unless removeOnComplete: used_memory grows with each one", () => {
    const figures = (removeOnComplete: boolean | number) =>
      run({
        duration: "1s",
        broker: bullmq({ removeOnComplete, baselineMemory: 0, jobBytes: 1000 }),
        producers: [every100ms({ size: "500B" })],
        consumers: [{ group: "g", processing: "1ms" }],
      }).result.brokerFigures!;
    // Nine jobs (0.1 s to 0.9 s) of 1,500 B, and the 136 B Redis spends on a key that exists.
    expect(figures(false).used_memory).toBe(9 * 1500 + 136);
    expect(figures(true).used_memory).toBe(0);
    expect(figures(3).used_memory).toBe(3 * 1500 + 136);
  });

  it("refuses Queue.add over maxmemory (noeviction) when completed jobs are kept", () => {
    const { result } = run({
      duration: "1s",
      broker: bullmq({ maxmemory: 5000, baselineMemory: 0, jobBytes: 1000 }),
      producers: [every100ms({ size: "500B" })],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    // Each kept job costs 1,500 B: the fourth add finds 4,636 B used (with the key), the fifth 6,136 B, over 5,000 B.
    expect(result.counts).toMatchObject({ published: 9, rejected: 5, consumed: 4 });
  });
  it("never stalls a live worker's long job: its lock is renewed however long the job runs", () => {
    const { result } = run({
      duration: "1s",
      broker: bullmq(fast),
      producers: [every100ms({ limit: 2 })],
      consumers: [{ group: "g", instances: 2, processing: "5s" }],
    });
    expect(result.counts).toMatchObject({ deliveries: 2, consumed: 2, duplicated: 0 });
  });

  it("stalls the job of a frozen worker (hang) like a dead one's: its side effect happens twice", () => {
    const { result, log } = run({
      duration: "1s",
      broker: bullmq(fast),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "300ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g/1", mode: "hang", point: "after-side-effect" }],
    });
    // c1's checks at 1 s and 2 s find m0 (lock until 1.1 s) stalled; c1 runs it again.
    expect(log.lines.filter((line) => line.includes("delivered"))).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=2000000 delivered m0 g0 c1 waited 1900000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 1, lost: 0 });
  });

  it("keeps its jobs through a Redis crash with appendonly and fsync always, and loses them with no persistence", () => {
    const crashWith = (settings: Record<string, unknown>) =>
      run({
        duration: "2s",
        broker: bullmq(settings),
        producers: [every100ms({ limit: 10 })],
        consumers: [{ group: "g", processing: "300ms" }],
        faults: [{ at: "1050ms", crash: "broker", mode: "host", restartAfter: "1s" }],
      }).result.counts;
    expect(crashWith({ appendonly: "yes", appendfsync: "always" })).toMatchObject({ lost: 0, consumed: 10 });
    // Without RDB or AOF Redis comes back empty: the waiting jobs and the active one are gone.
    const none = crashWith({ save: "" });
    expect(none.lost).toBeGreaterThan(0);
    expect(none.consumed + none.lost).toBe(10);
  });
  it("treats a worker cut off by a partition as a dead one: its job runs again elsewhere and its late finish is refused", () => {
    const { result, log } = run({
      duration: "1s",
      broker: bullmq(fast),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "1500ms" }],
      faults: [{ at: "200ms", for: "3s", partition: { between: ["broker", "g/1"] } }],
    });
    // c0's renewals stop reaching Redis at 0.2 s (last one at 0.1 s): its lock runs out at 1.1 s, c1's checks
    // at 1 s and 2 s move the job back, and c1 runs it too. c0 finishes at 1.6 s; its ack is lost on the cut link.
    expect(deliveredOrConsumed(log.lines)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=1600000 consumed m0 g0 c0 x1",
      "t=2000000 delivered m0 g0 c1 waited 1900000 attempt 2",
      "t=3500000 consumed m0 g0 c1 x2",
    ]);
    expect(result.counts).toMatchObject({ duplicated: 1, lost: 0, pending: 0 });
  });

  it("skips a job a late nack retried out of the active list: it is on the wait list once, or waits its backoff", () => {
    const cutOff = (processing: string, limit: number, backoff: Record<string, unknown> = {}) =>
      run({
        duration: "1s",
        broker: bullmq({ ...fast, attempts: 3, ...backoff }),
        producers: [every100ms({ limit })],
        consumers: [{ group: "g", processing }],
        faults: [{ poison: { fraction: 1 } }, { at: "250ms", for: "100ms", partition: { between: ["broker", "g/1"] } }],
      });
    // c0's renewals stop at 0.25 s (last one at 0.1 s: lock until 1.1 s); it reconnects at 0.35 s and fetches m1.
    // Its nack of m0 at 1 s comes while the lock holds: retried, m0 waits behind m1 and m2. The check at 2.35 s
    // (m0's lock gone since 1.1 s) must skip it, as BullMQ's LREM on the active list finds nothing: pushed onto
    // the wait list a second time, m0 ran four times with attempts 3 and was dead-lettered twice.
    const waiting = cutOff("900ms", 3);
    expect(messagesIn(waiting.log.lines, "delivered").filter((message) => message === 0)).toHaveLength(3);
    expect(messagesIn(waiting.log.lines, "dead-lettered")).toEqual([0, 1, 2]);
    expect(waiting.result.counts).toMatchObject({ deliveries: 9, deadLettered: 3, lost: 0, pending: 0 });
    // With a backoff the nack at 0.6 s delays m0 to 3.6 s; the check at 2.35 s moved it to wait early.
    const delayed = cutOff("500ms", 2, { backoff: { type: "fixed", delay: "3s" } });
    expect(delayed.log.lines).toContain("t=3600000 delivered m0 g0 c0 waited 3500000 attempt 2");
  });

  it("lets a cleanly stopped worker finish its job: nothing stalls, nothing repeats", () => {
    const { result } = run({
      duration: "1s",
      broker: bullmq(fast),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", instances: 2, processing: "500ms" }],
      faults: [{ at: "150ms", stop: "consumer", target: "g/1", gracePeriod: "5s", restartAfter: "1s" }],
    });
    expect(result.counts).toMatchObject({ deliveries: 3, consumed: 3, duplicated: 0, lost: 0, pending: 0 });
  });
});
