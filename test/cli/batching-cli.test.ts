import { describe, expect, it } from "vitest";
import { runScenarioText } from "../helpers/cli.js";

const scenario = (broker: string, batch: string) => `name: batching
duration: 1s
broker: {profile: ${broker}}
producers: [{name: p, rate: 10/s}]
consumers:
  - group: g
    processing: 1ms
    batch: ${batch}
`;

function run(text: string) {
  const { code, stdout, stderr, wroteReports } = runScenarioText(text);
  return { code, stdout, stderr, wrote: wroteReports };
}

describe("queuesim run with a refused batch", () => {
  it("bullmq: exit 2, the position of batch, BullMQ Pro named, nothing written", () => {
    const { code, stderr, stdout, wrote } = run(scenario("bullmq", "{size: 10}"));
    expect(code).toBe(2);
    expect(stderr).toContain("s.yaml:8:12");
    expect(stderr).toContain("consumers[0].batch");
    expect(stderr).toContain("BullMQ Pro");
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(stdout).toBe("");
    expect(wrote).toBe(false);
  });

  it("sqs: a batch larger than one receive is refused with the limit found and expected", () => {
    const { code, stderr, wrote } = run(scenario("sqs", "{size: 20, wait: 50ms}"));
    expect(code).toBe(2);
    expect(stderr).toContain("s.yaml:8:19");
    expect(stderr).toContain("batch size 20 is above sqs's limit of 1");
    expect(stderr).toContain("MaxNumberOfMessages is 1");
    expect(wrote).toBe(false);
  });
});
