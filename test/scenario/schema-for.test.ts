// Proves that the schema validation builds for a scenario (only the profiles it names) finds exactly what the schema with every profile finds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { profiles } from "../../src/brokers/profiles.js";
import { scenarioSchema } from "../../src/scenario/full-schema.js";
import { scenarioSchemaFor } from "../../src/scenario/schema.js";

const root = join(import.meta.dirname, "..", "..");
const shipped = readdirSync(join(root, "scenarios"))
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => parse(readFileSync(join(root, "scenarios", file), "utf8")) as Record<string, unknown>);
const workQueue = shipped.find((scenario) => scenario.name === "work-queue")!;

/** Each profile with wrong settings, an unknown profile, a misspelt or missing `profile`, and further brokers. */
function variants(): unknown[] {
  const broker = (section: unknown) => ({ ...workQueue, broker: section });
  return [
    ...profiles.map((p) => broker({ profile: p.name, settings: { bogus: 1, prefetch: -1, acks: 7, version: "9" } })),
    ...profiles.map((p) => broker({ profile: p.name, partitions: 0, serviceTime: "fast" })),
    broker({ profile: "fifoo" }),
    broker({ profle: "fifo" }),
    broker({}),
    broker("fifo"),
    { ...workQueue, brokers: { second: { profile: "kafka", partitions: 4 }, third: { profile: "nope" } } },
    { ...workQueue, brokers: { second: { profile: "sqs", settings: { VisibilityTimeout: "x" } } } },
    { ...workQueue, brokers: [1] },
    { ...workQueue, brokers: { second: null } },
    null,
    [],
  ];
}

const outcome = (result: ReturnType<typeof scenarioSchema.safeParse>) =>
  result.success ? { data: result.data } : { issues: result.error.issues };

describe("scenarioSchemaFor", () => {
  it.each([...shipped, ...variants()].map((data, index) => [index, data]))(
    "case %i: the same output or the same issues as the schema with every profile",
    (_index, data) => {
      const options = { reportInput: true, jitless: true };
      expect(outcome(scenarioSchemaFor(data).safeParse(data, options))).toEqual(
        outcome(scenarioSchema.safeParse(data, options)),
      );
    },
  );

  it("builds the shape of a profile the scenario names, and stands in for the others", () => {
    const schema = scenarioSchemaFor({ broker: { profile: "kafka" }, brokers: { b: { profile: "sqs" } } });
    const options = (schema.shape.broker as unknown as { options: { shape: object }[] }).options;
    const withSettings = options.filter((option) => "settings" in option.shape).length;
    expect(withSettings).toBe(2);
    expect(options).toHaveLength(profiles.length);
  });
});
