// Proves the rate limiters hold their limits: a token bucket lets the burst through then exactly its rate (long run within 1%), fixed and sliding windows never exceed their limit, and a group-wide limit holds across instances in a full run.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { type LimiterSpec, limiterFor } from "../../src/patterns/limiter.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Grant times (µs) for requests arriving at `arrivals`, each granted after its reserved wait. */
function grants(spec: LimiterSpec, arrivals: number[]): number[] {
  const limiter = limiterFor(spec);
  return arrivals.map((at) => at + limiter.reserve(at));
}

/** The most grants in any window of `length` µs. */
function mostInWindow(times: number[], length: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= length) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

const burstAtZero = (n: number) => Array.from({ length: n }, () => 0);

describe("limiters", () => {
  it("lets a token bucket's burst through at once, then one permit every 1/rate", () => {
    const times = grants({ type: "token-bucket", ratePerSecond: 50, burst: 100, scope: "group" }, burstAtZero(103));
    expect(times.slice(0, 100)).toEqual(burstAtZero(100));
    expect(times.slice(100)).toEqual([20_000, 40_000, 60_000]);
  });

  it("holds a token bucket's long-run rate within 1% under a steady overload", () => {
    // 5,000 requests at 200/s against 50/s: the last is granted at (5000 - burst) / rate.
    const arrivals = Array.from({ length: 5000 }, (_, i) => i * 5_000);
    const times = grants({ type: "token-bucket", ratePerSecond: 50, burst: 100, scope: "group" }, arrivals);
    const rate = (5000 - 100) / (times[4999]! / 1e6);
    expect(Math.abs(rate - 50) / 50).toBeLessThan(0.01);
  });

  it("never lets more than limit through a fixed window aligned to time 0, and refills at each boundary", () => {
    const times = grants({ type: "fixed-window", limit: 10, window: 1_000_000, scope: "group" }, burstAtZero(25));
    expect(times.filter((t) => t === 0)).toHaveLength(10);
    expect(times.filter((t) => t === 1_000_000)).toHaveLength(10);
    expect(times.filter((t) => t === 2_000_000)).toHaveLength(5);
  });

  it("never lets more than limit through any sliding window", () => {
    const arrivals = Array.from({ length: 500 }, (_, i) => (Math.floor(i * 1_700) % 200_000) + i * 100);
    arrivals.sort((a, b) => a - b);
    const times = grants({ type: "sliding-window", limit: 7, window: 100_000, scope: "group" }, arrivals);
    expect(mostInWindow(times, 100_000)).toBe(7);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it("drains a spike at the token bucket's rate across a group of instances: burst + rate x duration consumed", () => {
    const summary = runScenario(
      parsed(
        scenarioInput({
          duration: "20s",
          drainTimeout: "200s",
          producers: [{ name: "notifications", arrival: { process: "constant", rate: "200/s" } }],
          consumers: [
            {
              group: "sender",
              instances: 20,
              processing: "2ms",
              rateLimit: { type: "token-bucket", rate: "50/s", burst: 100 },
            },
          ],
        }),
      ),
    ).summary;
    // Permits by 20 s: the burst of 100 and 50/s after; processing 2 ms may push the last one past the end.
    expect(summary.throughput.consumed * 20).toBeGreaterThanOrEqual(1099);
    expect(summary.throughput.consumed * 20).toBeLessThanOrEqual(1100);
    expect(summary.messages.consumed).toBe(summary.messages.published);
    expect(summary.limiters!.sender!.acquired).toBe(summary.messages.published);
  });
});
