// Proves `queuesim explore --distributed` over 2 real `queuesim worker` processes and a real Redis writes the explore.json and counterexample.yaml a local explore writes, byte for byte, with every search run computed once on the workers.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { stopProcess } from "../../conformance/lib/processes.js";
import { finishedTasks, type Lab, logOf, queuesim, startLab, startReadyWorkers, stopLab } from "./helpers.js";

// The dedup store written after the side effect, with its scheduled crash removed: explore finds one.
const example = parse(
  readFileSync(join(import.meta.dirname, "..", "..", "scenarios", "dedup-store-crash.yaml"), "utf8"),
) as Record<string, unknown>;
delete example.faults;
const name = String(example.name);
const RUNS = 12;
const args = ["explore", "dedup.yaml", "--runs", String(RUNS), "--shrink-runs", "40", "--faults", "consumer-crash"];

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ "dedup.yaml": stringify(example) });
}, 60_000);
afterAll(async () => {
  if (lab) await stopLab(lab);
});

/** The two files explore writes, read after the command exits with 1 (a counterexample found). */
async function exploreFiles(run: ReturnType<typeof queuesim>): Promise<{ json: string; yaml: string }> {
  expect(await run.exited, logOf(run)).toEqual({ code: 1, signal: null });
  const folder = join(lab.dir, "reports", name, "explore");
  const files = {
    json: readFileSync(join(folder, "explore.json"), "utf8"),
    yaml: readFileSync(join(folder, "counterexample.yaml"), "utf8"),
  };
  // Both commands write to the same --out, so the replay path in counterexample.yaml is the same text.
  rmSync(join(lab.dir, "reports"), { recursive: true, force: true });
  return files;
}

it("explore over 2 workers writes the explore.json and counterexample.yaml a local explore writes", async () => {
  const local = await exploreFiles(queuesim(lab, "explore-local", [...args, "--out", "reports", "--workers", "2"]));
  expect(JSON.parse(local.json).failed).toBeGreaterThan(0);
  const workers = await startReadyWorkers(lab, ["explore-a", "explore-b"]);
  const coordinator = queuesim(lab, "explore-coordinator", [...args, "--out", "reports", "--distributed", lab.url]);
  const distributed = await exploreFiles(coordinator);
  expect(distributed.json).toBe(local.json);
  expect(distributed.yaml).toBe(local.yaml);
  expect(logOf(coordinator)).toContain(
    `${RUNS} tasks on Redis at ${lab.url}: 0 reused from an earlier run, ${RUNS} enqueued`,
  );
  await Promise.all(workers.map((worker) => stopProcess(worker, { graceMs: 3000 })));
  // Every search run was judged on a worker, once; the work was shared.
  const finished = workers.flatMap(finishedTasks);
  expect(new Set(finished).size).toBe(RUNS);
  expect(finished.length).toBe(RUNS);
  for (const worker of workers) expect(finishedTasks(worker).length).toBeGreaterThan(0);
}, 180_000);
