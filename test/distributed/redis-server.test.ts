// Proves distributed runs log in with a password that never shows, and ride out a Redis restart (with persistence on): the coordinator says it lost Redis and reconnected, and the files are those of a local run.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopProcess } from "../../conformance/lib/processes.js";
import { connectRedis } from "../../conformance/lib/redis.js";
import { sleep } from "../../conformance/lib/wait.js";
import { finishedTasks, type Lab, logOf, queuesim, startLab, startWorker, stopLab, waitForLog } from "./helpers.js";

const scenario = `name: restart-replications
seed: 9
duration: 4s
broker: {profile: fifo}
producers: [{name: orders, rate: 2500/s}]
consumers: [{group: billing, instances: 3, processing: {dist: exponential, mean: 1ms}}]
`;
const REPLICATIONS = 24;
const PASSWORD = "hunter2-not-shown";

let lab: Lab;
let local: Record<string, string>;

function filesOf(out: string): Record<string, string> {
  const dir = join(lab.dir, out, "restart-replications", "replications");
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

beforeAll(async () => {
  // Every write reaches the append-only file before Redis answers: a SIGKILLed Redis loses nothing.
  lab = await startLab({ "s.yaml": scenario }, { appendonly: "yes", appendfsync: "always" });
  const client = await connectRedis(lab.redis.port);
  await client.config("SET", "requirepass", PASSWORD);
  client.disconnect();
  const run = queuesim(lab, "local", ["run", "s.yaml", "--replications", String(REPLICATIONS), "--out", "local"]);
  expect(await run.exited).toEqual({ code: 0, signal: null });
  local = filesOf("local");
}, 120_000);

afterAll(async () => {
  if (lab) await stopLab(lab);
});

describe("Redis as users run it", () => {
  it("refuses a wrong password in under 5 s with the URL masked", async () => {
    const wrong = `redis://:wrong-${PASSWORD}@127.0.0.1:${lab.redis.port}`;
    const run = queuesim(lab, "wrong-password", ["run", "s.yaml", "--replications", "2", "--distributed", wrong]);
    const startedAt = performance.now();
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(performance.now() - startedAt).toBeLessThan(5000);
    expect(logOf(run)).toContain(`--distributed: cannot reach Redis at redis://:***@127.0.0.1:${lab.redis.port}: `);
    expect(logOf(run)).not.toContain(PASSWORD);
  });

  it("logs in with the password, survives a Redis restart mid-run and writes the local run's files", async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${lab.redis.port}`;
    const workers = ["a", "b"].map((name) => startWorker(lab, `restart-${name}`, url));
    const coordinator = queuesim(lab, "restart-coordinator", [
      ...["run", "s.yaml", "--replications", String(REPLICATIONS), "--out", "distributed"],
      ...["--distributed", url],
    ]);
    await waitForLog(workers[0]!, () => workers.flatMap(finishedTasks).length >= 4);
    await lab.redis.kill();
    await sleep(1000);
    await lab.redis.restart();
    // The restarted server reads its append-only file, password setting aside: set it again.
    const client = await connectRedis(lab.redis.port);
    await client.config("SET", "requirepass", PASSWORD);
    client.disconnect();
    expect(await coordinator.exited).toEqual({ code: 0, signal: null });
    expect(filesOf("distributed")).toEqual(local);
    const shown = `redis://:***@127.0.0.1:${lab.redis.port}`;
    expect(logOf(coordinator)).toContain(`lost the connection to Redis at ${shown}; reconnecting`);
    expect(logOf(coordinator)).toContain(`reconnected to Redis at ${shown}`);
    for (const process of [coordinator, ...workers]) expect(logOf(process)).not.toContain(PASSWORD);
    await Promise.all(workers.map((worker) => stopProcess(worker, { graceMs: 3000 })));
  }, 120_000);
});
