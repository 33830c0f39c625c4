// Proves that a refused batch (BullMQ has no batches; an SQS batch is one receive) exits 2 with file:line:column and the reason, prints no stack, and writes nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

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
  const dir = mkdtempSync(join(tmpdir(), "queuesim-batch-"));
  writeFileSync(join(dir, "s.yaml"), text);
  const child = spawnSync(process.execPath, ["--import", tsx, bin, "run", "s.yaml"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, wrote: existsSync(join(dir, "reports")) };
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
