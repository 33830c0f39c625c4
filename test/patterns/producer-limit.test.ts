// Proves a producer's client-side rate limit: its burst goes at once, then publishes reach the broker at exactly the limit (long run within 1%), the wait counts in latency and shows under limiters.<producer>, per-key scope limits each key on its own, runs repeat byte for byte, and bad input is reported in the house format.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, refusedLines, scenarioInput } from "../helpers/scenario.js";

/** Runs a scenario with one producer `p` whose fields are `producer`, and returns its summary and accept times (µs). */
function run(producer: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const log = new EventLog();
  const scenario = parsed(scenarioInput({ producers: [{ name: "p", ...producer }], ...overrides }));
  const { summary } = runScenario(scenario, { observers: [log] });
  const acceptedAt = log.lines
    .filter((line) => line.includes(" accepted "))
    .map((line) => Number(line.slice(2).split(" ")[0]));
  return { summary, acceptedAt };
}

/** Publishes the broker accepted per second in [from, to) µs. */
const ratePerSecond = (times: number[], from: number, to: number) =>
  times.filter((t) => t >= from && t < to).length / ((to - from) / 1e6);

describe("producer rate limits", () => {
  it("lets the burst through at once, then holds the long-run publish rate at the limit within 1%", () => {
    // Poisson 200/s against a token bucket of 50/s: after the burst the client is never empty, so permits
    // come every 20 ms exactly; the 1% is the edge effect of counting whole permits in a 180 s window.
    const { summary, acceptedAt } = run(
      { rate: "200/s", rateLimit: { type: "token-bucket", rate: "50/s", burst: 100 } },
      { duration: "200s", seed: 7 },
    );
    expect(Math.abs(ratePerSecond(acceptedAt, 20e6, 200e6) - 50) / 50).toBeLessThan(0.01);
    const limiter = summary.limiters!.p!;
    expect(limiter.acquired).toBe(summary.messages.published);
    // The client holds what it cannot send yet: 200/s created, 50/s sent, for 200 s.
    expect(limiter.maxWaiting).toBeGreaterThan(25_000);
    expect(limiter.maxDelayMs).toBeGreaterThan(100_000);
  });

  it("sends the first burst messages at once and makes the next ones wait", () => {
    // 1,000/s for 150 messages against burst 100 at 1/s: the bucket refills 0.15 tokens meanwhile, so exactly 100 go at once.
    const { summary, acceptedAt } = run(
      {
        arrival: { process: "constant", rate: "1000/s" },
        limit: 150,
        rateLimit: { type: "token-bucket", rate: "1/s", burst: 100 },
      },
      { duration: "100s" },
    );
    expect(summary.limiters!.p!).toMatchObject({ acquired: 150, delayed: 50, maxWaiting: 50 });
    // Constant arrivals start one interval in: the 100th is created at 100 ms.
    expect(acceptedAt.filter((t) => t <= 100_000)).toHaveLength(100);
    // The 101st permit comes when the bucket refills to one token: 1 s after time 0, less the 0.1 s of refill so far.
    expect(acceptedAt[100]).toBeGreaterThan(900_000);
    // Latency (ms) counts from creation, so the wait shows in it: the 150th message waited 49.85 s.
    expect(summary.latency.endToEnd.max).toBeGreaterThan(49_000);
  });

  it("limits each key on its own with scope: key, and all instances together with scope: group", () => {
    const limited = (scope: string) =>
      run(
        {
          instances: 2,
          rate: "100/s",
          keys: { count: 4 },
          rateLimit: { type: "fixed-window", limit: 5, window: "1s", scope },
        },
        { duration: "100s", seed: 3 },
      ).acceptedAt;
    // Each key gets 50/s of the 200/s created and each limiter passes 5 per second: 4 keys x 5 = 20/s.
    expect(ratePerSecond(limited("key"), 10e6, 100e6)).toBe(20);
    expect(ratePerSecond(limited("group"), 10e6, 100e6)).toBe(5);
    expect(ratePerSecond(limited("instance"), 10e6, 100e6)).toBe(10);
  });

  it("gives the same summary bytes for the same scenario and seed", () => {
    const producer = {
      rate: "80/s",
      keys: { count: 3 },
      rateLimit: { type: "sliding-window", limit: 20, window: "1s", scope: "key" },
    };
    const once = JSON.stringify(run(producer, { seed: 11 }).summary);
    expect(JSON.stringify(run(producer, { seed: 11 }).summary)).toBe(once);
  });

  it("drops the messages waiting for permits at a crash; a restart re-publishes them through the limiter", () => {
    // 100/s against 10/s, burst 1: by the crash at 1.001 s, 10 of 100 messages had their permits (10 ms, 110 ms ... 910 ms).
    const crashing = (scope: string, resendOnRestart: boolean) =>
      run(
        {
          arrival: { process: "constant", rate: "100/s" },
          publish: { resendOnRestart },
          rateLimit: { type: "token-bucket", rate: "10/s", burst: 1, scope },
        },
        {
          duration: "3s",
          drainTimeout: "60s",
          faults: [{ at: "1001ms", crash: "producer", target: "p#1", restartAfter: "500ms" }],
        },
      );
    const resent = crashing("group", true);
    // The 90 waiting become unknown, then are published again, each with a new permit: none is lost or left.
    expect(resent.summary.faults[0]).toMatchObject({ effects: { outcomesUnknown: 90 } });
    expect(resent.summary.messages).toMatchObject({ unknown: 0, lost: 0, pending: 0 });
    expect(resent.summary.limiters!.p!.acquired).toBe(resent.summary.messages.published + 90);
    // A shared limiter keeps the dead process's 90 reservations spent: the first message after the restart
    // (created at 1.51 s) waits behind them until 1.01 s + 90 x 100 ms.
    const afterRestart = (times: number[]) => times.find((t) => t > 1_501_000)!;
    // (a wait rounds up to the whole µs, so the float sum of refills may land 1 µs late).
    expect(afterRestart(crashing("group", false).acceptedAt) - 10_010_000).toBeOneOf([0, 1]);
    // An instance's own limiter restarts with its process, full: that message goes at once.
    expect(afterRestart(crashing("instance", false).acceptedAt)).toBe(1_510_000);
  });

  it("judges expect: bounds on a producer's limiter by its name", () => {
    const scenario = parsed(
      scenarioInput({
        producers: [{ name: "p", rate: "100/s", rateLimit: { type: "token-bucket", rate: "50/s", burst: 10 } }],
        expect: { limiters: { p: { maxDelayMs: { max: 1 } }, g: { acquired: { min: 1 } } } },
        consumers: [{ group: "g", processing: "1ms", rateLimit: { type: "token-bucket", rate: "1000/s" } }],
      }),
    );
    const byName = Object.fromEntries(runScenario(scenario).checks.map((check) => [check.name, check.passed]));
    // 100/s against 50/s for 10 s: the client falls behind by seconds, far above 1 ms.
    expect(byName).toMatchObject({ "limiters.p.maxDelayMs": false, "limiters.g.acquired": true });
  });

  it("judges expect: bounds on a producer's maxWaiting, the most messages its client held", () => {
    // 150 messages at 1,000/s against burst 100 at 1/s: the client holds 50 at most (as the test above pins).
    const checks = (max: number) =>
      runScenario(
        parsed(
          scenarioInput({
            producers: [
              {
                name: "p",
                arrival: { process: "constant", rate: "1000/s" },
                limit: 150,
                rateLimit: { type: "token-bucket", rate: "1/s", burst: 100 },
              },
            ],
            duration: "100s",
            expect: { limiters: { p: { maxWaiting: { max } } } },
          }),
        ),
      ).checks.find((check) => check.name === "limiters.p.maxWaiting")!;
    expect(checks(50)).toMatchObject({ passed: true, observed: "50" });
    expect(checks(49)).toMatchObject({ passed: false, observed: "50" });
  });

  it("changes nothing for a producer without a rate limit: no limiters section", () => {
    expect(run({ rate: "100/s" }).summary.limiters).toBeUndefined();
  });
});

describe("producer rate limit validation", () => {
  const FILE = "limited.yaml";
  const text = (rateLimit: string, group = "g") =>
    [
      "name: limited",
      "duration: 10s",
      "broker: {profile: fifo}",
      "producers:",
      "  - name: p",
      "    rate: 100/s",
      `    rateLimit: ${rateLimit}`,
      "consumers:",
      `  - group: ${group}`,
      "    processing: 1ms",
      "    rateLimit: {type: token-bucket, rate: 10/s}",
      "",
    ].join("\n");
  const problems = (source: string) => refusedLines(source, FILE);

  it("reports a misspelt field with its place, path and a did-you-mean", () => {
    const [line] = problems(text("{type: token-bucket, rate: 50/s, brust: 10}"));
    expect(line).toContain(`${FILE}:7:`);
    expect(line).toContain("producers[0].rateLimit");
    expect(line).toContain('did you mean "burst"?');
  });

  it("reports an unknown limiter type with the known ones", () => {
    const [line] = problems(text("{type: leaky-bucket, rate: 50/s}"));
    expect(line).toContain(`${FILE}:7:`);
    expect(line).toContain("producers[0].rateLimit.type");
    expect(line).toContain("token-bucket");
  });

  it("refuses a maxWaiting bound on a consumer group's limiter, naming the figure to bound instead", () => {
    const source = `${text("{type: token-bucket, rate: 50/s}")}expect:\n  limiters:\n    g: {maxWaiting: {max: 5}}\n`;
    const [line] = problems(source);
    expect(line).toContain(`${FILE}:14:`);
    expect(line).toContain("expect.limiters.g.maxWaiting");
    expect(line).toContain("bound maxDelayMs");
  });

  it("refuses a rate-limited producer named like a rate-limited group: limiters.<name> would mean both", () => {
    const [line] = problems(text("{type: token-bucket, rate: 50/s}", "p"));
    expect(line).toContain(`${FILE}:5:`);
    expect(line).toContain('"p" is also a consumer group with a rate limit');
  });
});
