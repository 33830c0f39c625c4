// Proves the pieces a distributed run rests on: Redis URLs checked and masked, job ids that depend on scenario, seed and version only (and the result kind for explore's judgements), metrics that survive the trip exactly, workers that refuse what they should, and the CLI's exit 2 for a bad or unreachable URL.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import {
  decodeJudgement,
  decodeMetrics,
  encodeJudgement,
  encodeMetrics,
  type TaskJobData,
  taskJobData,
  taskJobId,
} from "../../src/distributed/job.js";
import { parseRedisUrl } from "../../src/distributed/redis-url.js";
import { queuesimVersion } from "../../src/distributed/version.js";
import { checkedScenario } from "../../src/distributed/worker.js";
import type { TaskJudgement } from "../../src/parallel/tasks.js";
import { scenarioInput } from "../helpers/scenario.js";

const written = scenarioInput({ name: "job-test", duration: "1s" });
const data = (changes: Partial<TaskJobData> = {}): TaskJobData => ({
  format: 1,
  version: queuesimVersion(),
  label: "replication 0",
  seed: 12,
  scenario: written,
  ...changes,
});

describe("Redis URLs", () => {
  it("accepts redis:// and rediss:// with the password masked for messages", () => {
    expect(parseRedisUrl("rediss://user:s3cret@cache.example:6380/2")).toEqual({
      url: "rediss://user:s3cret@cache.example:6380/2",
      shown: "rediss://user:***@cache.example:6380/2",
    });
    expect(parseRedisUrl("redis://127.0.0.1:6379")).toEqual({
      url: "redis://127.0.0.1:6379",
      shown: "redis://127.0.0.1:6379",
    });
  });

  it("refuses other schemes, non-URLs and databases that are not numbers, saying what was expected", () => {
    expect(parseRedisUrl("redi://h:1")).toMatch(
      /expected the scheme redis:\/\/ or rediss:\/\/; found redi:\/\/.*did you mean redis:\/\//,
    );
    expect(parseRedisUrl("http://u:pw@h:1")).toMatch(/found http:\/\/ in http:\/\/u:\*\*\*@h:1\//);
    expect(parseRedisUrl("localhost:6379:x")).toMatch(/expected a Redis URL like/);
    expect(parseRedisUrl("redis//user:pw@h:1")).toBe(
      'expected a Redis URL like redis://host:6379, rediss://:password@host:6380/0; found "redis//user:***@h:1"',
    );
    expect(parseRedisUrl("redis://h:1/queues")).toMatch(/expected a database number.*found \/queues/);
  });
});

describe("tasks in Redis", () => {
  it("get one id per scenario, seed and version, whatever the order the scenario's keys are written in", () => {
    const reordered = Object.fromEntries(Object.entries(written).reverse());
    expect(taskJobId(data({ scenario: reordered }))).toBe(taskJobId(data()));
    expect(taskJobId(data({ label: "another label" }))).toBe(taskJobId(data()));
    expect(taskJobId(data({ seed: 13 }))).not.toBe(taskJobId(data()));
    expect(taskJobId(data({ version: "0.0.1" }))).not.toBe(taskJobId(data()));
    expect(taskJobId(data({ scenario: { ...written, duration: "2s" } }))).not.toBe(taskJobId(data()));
    expect(taskJobId(data())).toMatch(/^task-[0-9a-f]{64}$/);
  });

  it("keep a metrics task's id as it was (no kind written) and give explore's judgement of the same run another", () => {
    const task = { scenario: {} as never, seed: 12, written, label: "replication 0" };
    const metrics = taskJobData(task, queuesimVersion());
    expect(metrics).toEqual(data());
    expect("kind" in metrics).toBe(false);
    const judgement = taskJobData(task, queuesimVersion(), "judgement");
    expect(judgement.kind).toBe("judgement");
    expect(taskJobId(judgement)).not.toBe(taskJobId(metrics));
    const failed: TaskJudgement = { overBudget: false, passed: false, failedChecks: ["delivery: exactly-once"] };
    expect(decodeJudgement(encodeJudgement(failed))).toEqual(failed);
  });

  it("are refused by a worker when they ask for a result kind it does not make", () => {
    expect(() => checkedScenario(data({ kind: "trace" as never }), queuesimVersion())).toThrow(
      /^refused: the task asks for a result of kind trace, not metrics or judgement$/,
    );
  });

  it("return metrics that come back exactly, NaN, infinities and -0 included", () => {
    const metrics = { a: 1.5, b: Number.NaN, c: Number.POSITIVE_INFINITY, d: Number.NEGATIVE_INFINITY, e: -0, f: 0 };
    const back = decodeMetrics(encodeMetrics(metrics));
    for (const [name, value] of Object.entries(metrics)) expect(Object.is(back[name], value), name).toBe(true);
  });

  it("are refused by a worker of another version, or when malformed, without retries", () => {
    expect(checkedScenario(data(), queuesimVersion()).seed).toBe(12);
    const refusal = (job: TaskJobData) => {
      try {
        checkedScenario(job, queuesimVersion());
      } catch (error) {
        expect(error).toBeInstanceOf(UnrecoverableError);
        return (error as Error).message;
      }
      throw new Error("the task was accepted");
    };
    expect(refusal(data({ version: "9.9.9" }))).toBe(
      `refused: the task was made by queuesim 9.9.9 and this worker is queuesim ${queuesimVersion()}; run workers of the coordinator's version`,
    );
    expect(refusal(data({ seed: -1 }))).toMatch(/refused: the task's seed must be an integer/);
    expect(refusal(data({ scenario: { ...written, duration: "soon" } }))).toMatch(
      /refused: the task's scenario is invalid: .*duration/,
    );
    expect(refusal({ ...data(), format: 2 } as unknown as TaskJobData)).toMatch(/not a queuesim task/);
  });
});

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

function queuesim(args: string[], cwd: string) {
  const startedAt = performance.now();
  const child = spawnSync(process.execPath, ["--import", tsx, bin, ...args], { cwd, encoding: "utf8" });
  return { code: child.status, stderr: child.stderr, seconds: (performance.now() - startedAt) / 1000 };
}

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("--distributed and worker --redis on the command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "queuesim-distributed-cli-"));
  writeFileSync(
    join(dir, "s.yaml"),
    "name: s\nduration: 1s\nbroker: {profile: fifo}\nproducers: [{name: p, rate: 10/s}]\nconsumers: [{group: g, processing: 1ms}]\n",
  );

  it("an unreachable Redis is exit 2 within 5 s, the URL shown with its password masked, nothing written", async () => {
    const url = `redis://user:hunter2@127.0.0.1:${await closedPort()}`;
    const run = queuesim(["sweep", "s.yaml", "--param", "consumers.g.instances=1..2", "--distributed", url], dir);
    expect(run.code).toBe(2);
    expect(run.seconds).toBeLessThan(5);
    expect(run.stderr).toContain(`--distributed: cannot reach Redis at ${url.replace("hunter2", "***")}: ECONNREFUSED`);
    expect(run.stderr).not.toContain("hunter2");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "reports"))).toBe(false);
    const worker = queuesim(["worker", "--redis", url], dir);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain("--redis: cannot reach Redis at redis://user:***@127.0.0.1:");
  });

  it("a malformed URL, or --distributed where there are no tasks to share, is exit 2", () => {
    const malformed = queuesim(["run", "s.yaml", "--replications", "2", "--distributed", "localhost"], dir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--distributed: expected a Redis URL like redis://host:6379");
    const single = queuesim(["run", "s.yaml", "--distributed", "redis://127.0.0.1:1"], dir);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain("--distributed runs replications: use it with --replications N");
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });
});
