import { join, relative } from "node:path";
import { defaultWorkers } from "../parallel/pool.js";
import { reportDirectory } from "../report/write.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { confidenceJson, type PrecisionTarget, replicate, replicationsCsv } from "../stats/replications.js";
import { runnerFor, taskProgress } from "./distributed.js";
import { writeReportUnlessInterrupted } from "./interrupt.js";
import { countBar } from "./progress.js";

export interface ReplicationOptions {
  replications: number;
  precision: PrecisionTarget | undefined;
  workers: number | undefined;
  distributed: string | undefined;
  out: string;
  json: boolean;
}

/**
 * `queuesim run --replications N`: independent replications, each metric as a mean with a 95% interval.
 * `written` is the scenario as written, which --distributed sends to the workers.
 */
export async function runReplications(
  scenario: ParsedScenario,
  written: Record<string, unknown>,
  options: ReplicationOptions,
): Promise<void> {
  const label = `${scenario.name} replications`;
  const runner = await runnerFor(options.distributed, label);
  const progress = runner ? taskProgress(label) : countBar(label);
  const count = options.replications;
  const workers = options.workers ?? defaultWorkers(Array.from({ length: count }, () => scenario));
  const study = await replicate(
    scenario,
    count,
    { workers, onDone: (done, total) => progress.update(done, total), ...(runner ? { runner } : {}) },
    options.precision,
    written,
  );
  progress.done();
  const directory = join(reportDirectory(options.out, scenario.name), "replications");
  const confidence = confidenceJson(scenario, study);
  writeReportUnlessInterrupted(directory, {
    "replications.csv": replicationsCsv(study),
    "confidence.json": confidence,
  });
  if (options.json) {
    console.log(confidence.trimEnd());
    return;
  }
  const warmup =
    scenario.warmup === "auto"
      ? ", warm-up chosen by MSER-5 in each replication"
      : scenario.warmup > 0
        ? `, warm-up ${scenario.warmup / 1e6}s discarded`
        : "";
  console.log(`${scenario.name}  ${study.seeds.length} replications, 95% confidence intervals${warmup}`);
  if (study.stopped) console.log(`  stopped: ${study.stopped}`);
  const names = Object.keys(study.intervals);
  const width = Math.max(...names.map((name) => name.length));
  for (const name of names) {
    const i = study.intervals[name]!;
    const relativeWidth = i.mean === 0 ? "" : ` (±${((i.halfWidth / Math.abs(i.mean)) * 100).toFixed(1)}%)`;
    console.log(`  ${name.padEnd(width)}  ${format(i.mean)} ± ${format(i.halfWidth)}${relativeWidth}`);
  }
  console.log(`  written to ${relative(process.cwd(), directory)}/`);
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
}
