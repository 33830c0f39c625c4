// Proves the same scenario and seed give byte-identical report files (specs, SVG, PNG, HTML), whatever was rendered before.
import { beforeAll, describe, expect, it } from "vitest";
import { reportFiles } from "../../src/report/report.js";
import { shippedRun } from "./fixtures.js";

type Files = Record<string, string | Uint8Array>;
let first: Files;
let second: Files;
let otherSeed: Files;

beforeAll(async () => {
  first = await reportFiles(shippedRun("dedup-store-window"));
  // Something else in between moves vega's process-wide id counters on.
  otherSeed = await reportFiles(shippedRun("dedup-store-window", 8));
  second = await reportFiles(shippedRun("dedup-store-window"));
});

describe("report determinism", () => {
  it("writes identical bytes for the same scenario and seed", () => {
    expect(Object.keys(second)).toEqual(Object.keys(first));
    for (const [name, content] of Object.entries(first)) {
      expect(Buffer.from(second[name]!).equals(Buffer.from(content)), name).toBe(true);
    }
  });

  it("writes different charts for another seed, so the comparison above is not vacuous", () => {
    expect(otherSeed["charts/throughput.svg"]).not.toEqual(first["charts/throughput.svg"]);
    expect(otherSeed["charts/throughput.vl.json"]).not.toEqual(first["charts/throughput.vl.json"]);
  });
});
