// Proves retiring settled messages from the message table changes no result: every shipped scenario and a generated set give byte-identical summaries with retirement forced after every event (from a 16-row table) and with it off, and a long steady run keeps only what is in flight.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import { loadScenarioFile } from "../../src/index.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { mayRetire } from "../../src/run/retirement.js";
import { bothWays, generatedSameRetiringOrNot, TableKeeper } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const scenarioDir = join(import.meta.dirname, "..", "..", "scenarios");
const files = readdirSync(scenarioDir).filter((file) => /\.(ya?ml|json)$/.test(file));

describe("retiring messages changes no result", () => {
  it.each(files)("%s: the same summary with retirement forced after every event as with it off", (file) => {
    const loaded = loadScenarioFile(join(scenarioDir, file));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const { off, forced, table } = bothWays(loaded.scenario);
    expect(forced).toBe(off);
    // Where the profile allows it, the 16-row table did retire messages (every shipped story makes more than 16).
    if (mayRetire(loaded.scenario)) expect(table.base).toBeGreaterThan(0);
    else expect(table.base).toBe(0);
  });

  it("generated scenarios (the swarm's generator: drawn settings, patterns and faults): the same summary", () => {
    // Writes, delays, schedules and batches keep every row (mayRetire): left out here, so the sample retires.
    const retiring = {
      settings: "drawn",
      profiles: ["rabbitmq", "rabbitmq-quorum", "fifo"],
      messageFeatures: false,
    } as const;
    const written = [
      ...fc.sample(validScenarioArbitrary(retiring), { seed: 12, numRuns: 80 }),
      ...fc.sample(validScenarioArbitrary({ settings: "drawn" }), { seed: 13, numRuns: 20 }),
    ];
    expect(generatedSameRetiringOrNot(written).retired).toBeGreaterThan(20);
  });
});

describe("memory bounded by what is in flight", () => {
  // Kafka (a partition per consumer) keeps its log back to the lowest committed offset: auto-commit every 5 s
  // holds about 18,000 more. SQS consumers long-poll with no receive round trip and keep a receive of up to 10
  // messages ahead (one at a time would add the delete's and the receive's 200 us to each 1 ms and overload
  // them); a delete that misses a copy (duplicateProbability) pins the watermark until the copy's visibility
  // timeout, 5 s here, about 18,000 messages. FIFO: 1,000 message groups over high-throughput partitions.
  // Redis pub/sub hands every message to each of the four subscribers, so each is an M/M/1 of its own: 0.2 ms
  // processing keeps each at 72% load.
  const sqsSettings = { WaitTimeSeconds: 20, receiveRoundTrip: "0ms", VisibilityTimeout: 5, MaxNumberOfMessages: 10 };
  const redisProfiles = ["redis-list", "redis-reliable-list", "redis-streams", "redis-pubsub", "bullmq"];
  const brokers: Record<string, Record<string, unknown>> = {
    rabbitmq: { profile: "rabbitmq" },
    fifo: { profile: "fifo" },
    kafka: { profile: "kafka", partitions: 4 },
    sqs: { profile: "sqs", settings: sqsSettings },
    "sqs-fifo": {
      profile: "sqs-fifo",
      settings: { ...sqsSettings, FifoThroughputLimit: "perMessageGroupId", DeduplicationScope: "messageGroup" },
    },
    ...Object.fromEntries(redisProfiles.map((profile) => [profile, { profile }])),
  };
  for (const [profile, broker] of Object.entries(brokers)) {
    it(`${profile}: a steady M/M/4 run of ~200,000 messages keeps a table of at most 2^16 rows, nearly all retired`, () => {
      const scenario = parsed(
        scenarioInput({
          duration: "55s",
          broker,
          network: { latency: "200us" },
          producers: [{ name: "load", rate: "3600/s", ...(profile === "sqs-fifo" ? { keys: { count: 1000 } } : {}) }],
          consumers: [
            {
              group: "workers",
              instances: 4,
              processing: { dist: "exponential", mean: profile === "redis-pubsub" ? "200us" : "1ms" },
            },
          ],
        }),
      );
      const keeper = new TableKeeper();
      const { summary } = runScenario(scenario, { observers: [keeper] });
      const table = keeper.table!;
      expect(summary.messages.published).toBeGreaterThan(190_000);
      // At 90% load the queue rarely holds more than a few hundred messages (M/M/4: P(wait > 100 ms) is
      // about e^-40), so retiring at each progress interval (2^16 events) never needs more than 2^16 rows.
      expect(table.capacity).toBeLessThanOrEqual(1 << 16);
      expect(table.count - table.base).toBeLessThan(1 << 16);
      expect(table.base).toBeGreaterThan(summary.messages.published - (1 << 16));
    });
  }
});

describe("a publish still on the wire keeps its message", () => {
  it("a resend that lands after the producer has its confirm or gave up is counted as without retirement", () => {
    // Latency spread well beyond the publish timeout: the three copies of a message overtake each other, and
    // often one reaches the broker after the producer has given up on it (a fifth of these seeds threw
    // before producers reported copies the broker has not answered); the broker then takes it again.
    let retired = 0;
    for (let seed = 1; seed <= 100; seed++) {
      // Half the seeds also make the broker's intake slow, so a copy waits there after it has landed.
      const profile = seed % 2 === 0 ? "fifo" : "rabbitmq";
      const serviceTime = seed % 4 < 2 ? "0ms" : { dist: "exponential", mean: "3ms" };
      const scenario = parsed(
        scenarioInput({
          seed,
          duration: "1s",
          broker: { profile, serviceTime },
          network: { latency: { dist: "exponential", mean: "4ms" } },
          producers: [{ name: "p", rate: "100/s", limit: 3, publish: { timeout: "2ms", retries: 2, backoff: "1ms" } }],
        }),
      );
      const { off, forced, table } = bothWays(scenario);
      expect(forced).toBe(off);
      if (table.base > 0) retired++;
    }
    expect(retired).toBeGreaterThan(90);
  });
});
