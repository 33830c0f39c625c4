// Proves the time series the recorder feeds (interval counts as differences of its running totals, lag as its lag,
// redriven messages back in it) equals a plain per-event bucketing of the same run, on runs with redrives, drops, rejects and blocking.
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate } from "../../src/index.js";
import { Fate, type MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";

const INTERVAL = 500_000;
const COUNTED = ["published", "rejected", "delivered", "redelivered", "consumed", "deadLettered", "dropped"] as const;
type Counted = (typeof COUNTED)[number];

/** The reference: every event put in interval floor(now / INTERVAL), lag summed event by event (a redrive puts one back). */
class Bucketing extends NullObserver {
  readonly counts: Record<Counted, number>[] = [];
  readonly lagChanges: number[][] = [];
  readonly latencySums: number[] = [];
  private table!: MessageTable;

  constructor(private readonly groups: number) {
    super();
  }
  watch(messages: MessageTable): void {
    this.table = messages;
  }
  private at(now: number): Record<Counted, number> {
    const index = Math.floor(now / INTERVAL);
    while (this.counts.length <= index) {
      this.counts.push({
        published: 0,
        rejected: 0,
        delivered: 0,
        redelivered: 0,
        consumed: 0,
        deadLettered: 0,
        dropped: 0,
      });
      this.lagChanges.push(new Array<number>(this.groups).fill(0));
      this.latencySums.push(0);
    }
    return this.counts[index]!;
  }
  private lag(now: number, group: number, change: number): void {
    this.at(now);
    this.lagChanges[Math.floor(now / INTERVAL)]![group]! += change;
  }
  override published(_m: number, now: number): void {
    this.at(now).published++;
  }
  override rejected(_m: number, now: number): void {
    this.at(now).rejected++;
  }
  override accepted(message: number, now: number): void {
    const row = this.table.slot(message);
    for (let group = 0; group < this.groups; group++) {
      if (this.table.fate[group]![row] !== Fate.notRouted) this.lag(now, group, 1);
    }
  }
  override delivered(_m: number, _g: number, _c: number, attempt: number, _w: number, now: number): void {
    this.at(now).delivered++;
    if (attempt > 1) this.at(now).redelivered++;
  }
  override consumed(message: number, group: number, _c: number, times: number, now: number): void {
    if (times !== 1) return;
    this.at(now).consumed++;
    this.lag(now, group, -1);
    this.latencySums[Math.floor(now / INTERVAL)]! += now - this.table.intendedAt[this.table.slot(message)]!;
  }
  override deadLettered(_m: number, group: number, _r: string, now: number): void {
    this.at(now).deadLettered++;
    this.lag(now, group, -1);
  }
  override dropped(_m: number, group: number, _r: string, now: number): void {
    this.at(now).dropped++;
    this.lag(now, group, -1);
  }
  redriven(_m: number, group: number, now: number): void {
    this.lag(now, group, 1);
  }
}

describe("the time series", () => {
  it.each([
    "scenarios/payments-outage-redrive.yaml",
    "scenarios/slow-consumer-backpressure.yaml",
    "scenarios/rabbitmq-manual-ack-crash.yaml",
    "scenarios/sqs-poison-redrive.yaml",
  ])("counts each interval's events and ends it at the lag they leave: %s", (file) => {
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) throw new Error(`${file} is invalid`);
    const reference = new Bucketing(loaded.scenario.consumers.length);
    const result = simulate(loaded.scenario, { series: INTERVAL, observers: [reference] });
    const points = result.series!.points;
    expect(points.length).toBeGreaterThan(10);
    const lag = new Array<number>(loaded.scenario.consumers.length).fill(0);
    points.forEach((point, index) => {
      expect(point.start).toBe(index * INTERVAL);
      const expected = reference.counts[index];
      for (const figure of COUNTED)
        expect([index, figure, point[figure]]).toEqual([index, figure, expected?.[figure] ?? 0]);
      reference.lagChanges[index]?.forEach((change, group) => {
        lag[group]! += change;
      });
      expect([index, point.lag]).toEqual([index, lag]);
      for (const groupLag of point.lag) expect(groupLag).toBeGreaterThanOrEqual(0);
      expect(point.latencySum).toBe(reference.latencySums[index] ?? 0);
    });
    const total = (figure: Counted) => points.reduce((sum, p) => sum + p[figure], 0);
    expect(total("published")).toBe(result.counts.published);
    expect(total("consumed")).toBe(result.counts.consumed);
    expect(total("published")).toBeGreaterThan(0);
  });
});
