// `npm run bench`: what users run, timed as whole processes next to a bare hand-written loop of the same
// model: the CLI as a user calls it (`node dist/bin.js run`, reports written) and the library call (import
// the built package, run a scenario file), on M/M/4 at 1M and 10M messages (`rabbitmq` prefetch 1 and
// `fifo`) and the Kafka partition case, plus start-up (`--version`, `validate`, `schema`, `--help`) against `node -e 0`. Each
// case runs right after its bare loop, round after round (the machine is shared and noisy, so a ratio
// comes from a pair run back to back); the table shows medians. Then bytes allocated per event for every
// profile, and the sweep's parallel speed-up. A benchmark, not a test: nothing here passes or fails.
//
//   npm run bench              # everything, 3 rounds (BENCH_REPETITIONS to change)
//   npm run bench -- --quick   # 1M cases and start-up, one round; no 10M cases, no sweep
//   npm run bench -- --only mm4-rabbitmq   # only the cases whose name holds it; no allocation table, no sweep
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allocationCaseNames, measureAllocation } from "./allocation.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const quick = process.argv.includes("--quick");
/** `--only <text>`: the cases whose name holds it (re-measuring what a change touched on a busy machine). */
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const chosen = (cases: Case[]) => cases.filter((one) => only === undefined || one.name.includes(only));
const rounds = quick ? 1 : Number(process.env.BENCH_REPETITIONS ?? 3);
const startupRounds = quick ? 5 : 11;
const scratch = mkdtempSync(join(tmpdir(), "queuesim-bench-"));
const usageFile = join(scratch, "rusage.json");

/** One process the benchmark times: node's arguments after the preload. */
type Command = readonly string[];

interface Sample {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

interface Case {
  name: string;
  subject: Command;
  bare: Command;
  bareName: string;
  rounds: number;
}

function timed(command: Command): Sample {
  rmSync(usageFile, { force: true });
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--import", join(here, "rusage.mjs"), ...command], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, QUEUESIM_BENCH_RUSAGE: usageFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`node ${command.join(" ")} failed (${child.status}):\n${child.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, "utf8")) as { maxRssKb: number; cpuUs: number };
  return { wallSeconds, cpuSeconds: usage.cpuUs / 1e6, maxRssKb: usage.maxRssKb };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const bareLoop = (file: string, messages: number): Command => [join(here, "bare-loops", file), String(messages)];
const scenario = (name: string) => join("bench", "scenarios", `${name}.yaml`);
const cli = (name: string): Command => ["dist/bin.js", "run", scenario(name), "--out", join(scratch, "reports")];
const library = (name: string): Command => [join(here, "library-run.mjs"), scenario(name)];
const nodeAlone: Command = ["-e", "0"];

function simulationCases(): Case[] {
  const mm4 = (messages: number) => ({ bare: bareLoop("mmc_baseline.mjs", messages), bareName: "mmc_baseline" });
  const cases: Case[] = [];
  for (const size of quick ? ["1m"] : ["1m", "10m"]) {
    const bare = mm4(size === "1m" ? 1_000_000 : 10_000_000);
    for (const profile of ["rabbitmq", "fifo"]) {
      const name = `mm4-${profile}-${size}`;
      cases.push({ name: `${name} CLI run`, subject: cli(name), ...bare, rounds });
      cases.push({ name: `${name} library`, subject: library(name), ...bare, rounds });
    }
  }
  const partitions = { bare: bareLoop("partitions_baseline.mjs", 1_000_000), bareName: "partitions_baseline" };
  cases.push({ name: "kafka-12p-1m CLI run", subject: cli("kafka-12p-1m"), ...partitions, rounds });
  cases.push({ name: "kafka-12p-1m library", subject: library("kafka-12p-1m"), ...partitions, rounds });
  return cases;
}

const startupCases: Case[] = [
  {
    name: "queuesim --version",
    subject: ["dist/bin.js", "--version"],
    bare: nodeAlone,
    bareName: "node -e 0",
    rounds: startupRounds,
  },
  {
    name: "queuesim validate work-queue",
    subject: ["dist/bin.js", "validate", "scenarios/work-queue.yaml"],
    bare: nodeAlone,
    bareName: "node -e 0",
    rounds: startupRounds,
  },
  // The two other commands that print and end: both go through yargs.
  {
    name: "queuesim schema",
    subject: ["dist/bin.js", "schema"],
    bare: nodeAlone,
    bareName: "node -e 0",
    rounds: startupRounds,
  },
  {
    name: "queuesim --help",
    subject: ["dist/bin.js", "--help"],
    bare: nodeAlone,
    bareName: "node -e 0",
    rounds: startupRounds,
  },
];

/** Runs every case's rounds interleaved with its bare loop and prints one line per case. */
function benchmark(cases: Case[]): void {
  console.log(
    `${"case".padEnd(30)}${"wall".padStart(8)}${"CPU".padStart(8)}${"peak RSS".padStart(10)}  ${"bare loop".padEnd(20)}${"wall".padStart(8)}${"CPU".padStart(8)}${"RSS".padStart(8)}${"wall ratio".padStart(12)}${"CPU ratio".padStart(11)}`,
  );
  for (const one of cases) {
    const subject: Sample[] = [];
    const bare: Sample[] = [];
    for (let round = 0; round < one.rounds; round++) {
      bare.push(timed(one.bare));
      subject.push(timed(one.subject));
    }
    const of = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
    const ratio = (key: "wallSeconds" | "cpuSeconds") => median(subject.map((s, i) => s[key] / bare[i]![key]));
    const seconds = (value: number) => `${value.toFixed(2)}s`.padStart(8);
    const megabytes = (kb: number) => `${Math.round(kb / 1024)} MB`;
    console.log(
      `${one.name.padEnd(30)}${seconds(of(subject, "wallSeconds"))}${seconds(of(subject, "cpuSeconds"))}${megabytes(of(subject, "maxRssKb")).padStart(10)}  ${one.bareName.padEnd(20)}${seconds(of(bare, "wallSeconds"))}${seconds(of(bare, "cpuSeconds"))}${megabytes(of(bare, "maxRssKb")).padStart(8)}${`${ratio("wallSeconds").toFixed(2)}x`.padStart(12)}${`${ratio("cpuSeconds").toFixed(2)}x`.padStart(11)}`,
    );
  }
}

/** Bytes per event over a long run (the smaller of two), after a short one has warmed the code up. */
function allocationTable(): void {
  const [warmUp, long] = quick ? [10, 60] : [10, 278];
  console.log(`\nbytes allocated per event (JavaScript heap), M/M/4 workload, ${long} s simulated, whole run:`);
  for (const profile of allocationCaseNames) {
    measureAllocation(profile, warmUp);
    // Noise only adds (code still being optimized, a collection's timing): the smaller of two runs is the figure.
    const [first, second] = [measureAllocation(profile, long), measureAllocation(profile, long)];
    const { events, bytesPerEvent } = first.bytesPerEvent <= second.bytesPerEvent ? first : second;
    console.log(
      `${profile.padEnd(28)}${bytesPerEvent.toFixed(1).padStart(8)} B/event  (${events.toLocaleString("en-US")} events)`,
    );
  }
}

function sweepSpeedUp(): void {
  // The sweep runs in this process: worker threads load the TypeScript through tsx.
  const sweep = spawnSync(process.execPath, ["--import", "tsx", join(here, "sweep.ts")], { encoding: "utf8" });
  if (sweep.status !== 0) throw new Error(`bench/sweep.ts failed:\n${sweep.stderr}`);
  console.log(`\n${sweep.stdout.trim()}`);
}

console.log(
  `queuesim ${quick ? "quick " : ""}benchmark: whole processes, each after its bare loop; medians of ${rounds} round(s), start-up of ${startupRounds}`,
);
benchmark(chosen(startupCases));
benchmark(chosen(simulationCases()));
if (only === undefined) allocationTable();
if (!quick && only === undefined) sweepSpeedUp();
rmSync(scratch, { recursive: true, force: true });
