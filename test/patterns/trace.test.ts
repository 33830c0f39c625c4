// Proves the trace shows a message's timeline of failed attempts: each failure, why, and the wait before the next, then the give-up.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { TraceWriter } from "../../src/report/trace.js";
import { componentNames } from "../../src/run/names.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const directory = mkdtempSync(join(tmpdir(), "queuesim-attempts-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("attempts in the trace", () => {
  it("writes attempt-failed events with the exact backoff, then the give-up and the dead-letter", () => {
    const scenario = parsed(
      scenarioInput({
        producers: [{ name: "orders", rate: "100/s", limit: 1 }],
        dependencies: { payments: { latency: 0, errors: { transient: 1 } } },
        consumers: [
          {
            group: "billing",
            steps: [{ call: "payments" }],
            retry: { maxAttempts: 3, backoff: { type: "fixed", delay: "250ms" }, onExhausted: "dead-letter" },
          },
        ],
      }),
    );
    const path = join(directory, "trace.ndjson");
    const trace = new TraceWriter(path, componentNames(scenario));
    simulate(scenario, { observers: [trace] });
    trace.close();
    const events = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((event) => event.event === "attempt-failed" || event.event === "dead-letter");
    const first = events[0].tMs;
    expect(events.map(({ tMs, ...rest }) => ({ atMs: Math.round((tMs - first) * 1000) / 1000, ...rest }))).toEqual([
      {
        atMs: 0,
        event: "attempt-failed",
        message: 0,
        group: "billing",
        consumer: "billing/1",
        attempt: 1,
        why: "transient",
        retryInMs: 250,
      },
      {
        atMs: 250,
        event: "attempt-failed",
        message: 0,
        group: "billing",
        consumer: "billing/1",
        attempt: 2,
        why: "transient",
        retryInMs: 250,
      },
      {
        atMs: 500,
        event: "attempt-failed",
        message: 0,
        group: "billing",
        consumer: "billing/1",
        attempt: 3,
        why: "transient",
        gaveUp: true,
      },
      { atMs: 500, event: "dead-letter", message: 0, group: "billing", reason: "transient after 3 attempts" },
    ]);
  });
});
