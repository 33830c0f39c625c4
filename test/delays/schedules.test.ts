// Proves recurring producers: `every` and `cron` ticks publish at exactly their times, and the ticks missed while the producer is crashed are skipped, caught up once or all published at restart, with the lateness in schedules.<producer>; runs repeat byte for byte and draw nothing from the arrival stream.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const MINUTE = 60_000_000;

function run(schedule: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const log = new EventLog();
  const scenario = parsed(
    scenarioInput({
      duration: "1h",
      producers: [{ name: "report", schedule }],
      consumers: [{ group: "g", processing: "1s" }],
      ...overrides,
    }),
  );
  const { summary } = runScenario(scenario, { observers: [log] });
  const published = log.matching("published").map((line) => Number(line.split(" ")[0]!.slice(2)));
  return { summary, published };
}

/** The producer crashes at 12 min and restarts at 32 min: the ticks at 15, 20, 25 and 30 min pass while it is down. */
const crash = { faults: [{ at: "12m", crash: "producer", target: "report#1", restartAfter: "20m" }] };

describe("recurring producers", () => {
  it("publishes on every tick of a fixed interval, the first one interval after t = 0", () => {
    const { published, summary } = run({ every: "10m" });
    expect(published).toEqual([10, 20, 30, 40, 50].map((m) => m * MINUTE));
    expect(summary.schedules!.report).toEqual({
      ticks: 5,
      onTime: 5,
      missed: 0,
      caughtUp: 0,
      skipped: 0,
      latenessMsMax: 0,
      latenessMsMean: 0,
    });
  });

  it("publishes on the ticks of a cron expression", () => {
    const { published } = run({ cron: "*/20 * * * *" });
    expect(published).toEqual([20 * MINUTE, 40 * MINUTE]);
  });

  it("skip: the ticks missed during a crash are gone, as with cron", () => {
    const { published, summary } = run({ cron: "*/5 * * * *", missed: "skip" }, crash);
    expect(published).toEqual([5, 10, 35, 40, 45, 50, 55].map((m) => m * MINUTE));
    expect(summary.schedules!.report).toMatchObject({ ticks: 11, onTime: 7, missed: 4, caughtUp: 0, skipped: 4 });
  });

  it("catchUp: one message at restart for the latest missed tick, as a Kubernetes CronJob starts one", () => {
    const { published, summary } = run({ cron: "*/5 * * * *", missed: "catchUp" }, crash);
    expect(published).toEqual([5, 10, 32, 35, 40, 45, 50, 55].map((m) => m * MINUTE));
    // The one caught up was due at 30 min and went at 32 min: 2 min late; the mean is over 8 published ticks.
    expect(summary.schedules!.report).toEqual({
      ticks: 11,
      onTime: 7,
      missed: 4,
      caughtUp: 1,
      skipped: 3,
      latenessMsMax: 120_000,
      latenessMsMean: 15_000,
    });
  });

  it("all: every missed tick at restart, oldest first", () => {
    const { published, summary } = run({ every: "5m", missed: "all" }, crash);
    expect(published).toEqual([5, 10, 32, 32, 32, 32, 35, 40, 45, 50, 55].map((m) => m * MINUTE));
    // Late by 17, 12, 7 and 2 min: 38 min over 11 published ticks.
    expect(summary.schedules!.report).toMatchObject({ caughtUp: 4, skipped: 0, latenessMsMax: 1_020_000 });
    expect(summary.schedules!.report!.latenessMsMean).toBeCloseTo((38 * 60_000) / 11, 3);
  });

  it("repeats byte for byte, and leaves schedules out of a scenario without one", () => {
    const once = JSON.stringify(run({ cron: "*/5 * * * *", missed: "all" }, crash).summary);
    expect(JSON.stringify(run({ cron: "*/5 * * * *", missed: "all" }, crash).summary)).toBe(once);
    const plain = runScenario(parsed(scenarioInput())).summary;
    expect(plain.schedules).toBeUndefined();
  });
});
