// Proves the terminal summary shows what a scenario is about: each priority level's latency when priorities are used, and nothing extra otherwise.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSummary } from "../../src/cli/terminal.js";
import type { Summary } from "../../src/report/summary.js";

const golden = (name: string): Summary =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "golden", `${name}.summary.json`), "utf8"));

describe("terminal summary", () => {
  it("lists each priority level's latency, highest first", () => {
    const lines = formatSummary(golden("rabbitmq-priority"), "reports/x", 0.1).split("\n");
    const levels = lines.filter((line) => line.startsWith("    priority"));
    expect(levels).toEqual([
      "    priority   9  end-to-end p50 10.2ms  p99 52.8ms;  queue wait p99 16.3ms  (1,163 messages)",
      "    priority   0  end-to-end p50 3s  p99 6.4s;  queue wait p99 6.4s  (10,709 messages)",
    ]);
  });

  it("has no priority lines when no producer sets a priority", () => {
    expect(formatSummary(golden("work-queue"), "reports/x", 0.1)).not.toContain("priority");
  });
});

describe("terminal summary with routing", () => {
  it("counts the (message, group) pairs the exchange addressed elsewhere", () => {
    const text = formatSummary(golden("rabbitmq-topic-routing"), "reports/x", 0.1);
    expect(text).toContain("order not checked, 9,122 (message, group) pairs not routed");
    expect(formatSummary(golden("work-queue"), "reports/x", 0.1)).not.toContain("not routed");
  });
});

describe("terminal summary of ordering", () => {
  it("counts out-of-order consumptions only when the scenario checks ordering, and says so otherwise", () => {
    expect(formatSummary(golden("sqs-fifo-ordering"), "reports/x", 0.1)).toContain("0 out of order");
    expect(formatSummary(golden("work-queue"), "reports/x", 0.1)).toContain("order not checked");
  });
});

describe("terminal summary with a second broker", () => {
  it("prints one line per broker, and none without brokers:", () => {
    const text = formatSummary(golden("kafka-to-sqs-pipeline"), "reports/x", 0.1);
    expect(text).toMatch(
      /\n {2}brokers\n {4}main \(kafka\): [\d,]+ accepted, .*\n {4}billing-sqs \(sqs\): [\d,]+ accepted/,
    );
    expect(formatSummary(golden("video-pipeline"), "reports/x", 0.1)).not.toContain("  brokers");
  });
});
