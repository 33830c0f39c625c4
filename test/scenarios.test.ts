// Proves every shipped example scenario validates, runs, meets its own expectations, and still produces its checked-in summary byte for byte.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, runScenario } from "../src/index.js";
import { jsonSchemaText } from "../src/scenario/json-schema.js";

const root = join(import.meta.dirname, "..");
const scenarioDir = join(root, "scenarios");
const goldenDir = join(import.meta.dirname, "golden");
const files = readdirSync(scenarioDir).filter((file) => /\.(ya?ml|json)$/.test(file));

/**
 * Stories whose point is a failure: these checks must fail, and only these.
 * (Each file's comment says why it fails and what would make it pass.)
 */
const failsAsItShould: Record<string, string[]> = {
  "dedup-store-window.yaml": ["sideEffects: exactly-once"],
  "dual-write-crash.yaml": ["outbox.orders.unpublished"],
  "kafka-replication-acks1.yaml": ["delivery: at-least-once"],
  "kafka-retry-topic.yaml": ["ordering: per-key"],
  "payments-timeout-dedup-store.yaml": ["sideEffects: exactly-once"],
  "payments-timeout-plain.yaml": ["sideEffects: exactly-once"],
  "rabbitmq-topic-routing.yaml": ["delivery: at-least-once"],
  "saga-stuck-compensation.yaml": ["sagas.checkout.stuck"],
  "request-reply-idempotent.yaml": ["sideEffects: exactly-once"],
  "request-reply-timeouts.yaml": ["sideEffects: exactly-once", "requests.checkout.failedAfterRetries"],
  "slow-consumer-backpressure.yaml": ["latency.p99"],
  "pipeline-stage-dual-write.yaml": ["outbox.billing.unpublished", "endToEnd.incomplete"],
  "video-pipeline.yaml": ["endToEnd.incomplete"],
};

describe("shipped scenarios", () => {
  it("exist", () => {
    expect(files).toContain("work-queue.yaml");
  });

  it.each(files)("%s runs, its checks pass or fail as the story says, and it matches its golden summary", (file) => {
    const loaded = loadScenarioFile(join(scenarioDir, file));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues, null, 2));
    const { summary } = runScenario(loaded.scenario);
    expect(summary.checks.length).toBeGreaterThan(0);
    const failed = summary.checks.filter((check) => !check.passed).map((check) => check.name);
    expect(failed).toEqual(failsAsItShould[file] ?? []);
    const text = `${JSON.stringify(summary, null, 2)}\n`;
    const golden = join(goldenDir, `${summary.scenario}.summary.json`);
    // After an intended change in behaviour: UPDATE_GOLDEN=1 npm test, then review the diff.
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });
});

describe("schema/scenario.schema.json", () => {
  it("is in sync with the zod schema (regenerate with npm run schema)", () => {
    expect(readFileSync(join(root, "schema", "scenario.schema.json"), "utf8")).toBe(jsonSchemaText());
  });
});
