// `npm run bench`: whole-process wall time, events per second and peak memory
// for the M/M/4 work queue (90% load, 1,000,000 messages), next to a bare
// hand-written event loop of the same model. Each case runs as a fresh process,
// a few times; the median is reported.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
const outDir = join(here, "..", "node_modules", ".cache", "queuesim-bench");
mkdirSync(outDir, { recursive: true });

// Bundled like a production build, so the process pays no TypeScript-loader cost.
const bundle = join(outDir, "work-queue.mjs");
await build({
  entryPoints: [join(here, "work-queue.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: bundle,
  logLevel: "warning",
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});

interface Measurement {
  wallSeconds: number;
  events: number;
  maxRssKb: number;
  simulateMs?: number;
}

function measure(script: string): Measurement {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [script], { encoding: "utf8" });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${script} failed:\n${child.stderr}`);
  const report = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as Omit<Measurement, "wallSeconds">;
  return { wallSeconds, ...report };
}

function median(script: string): Measurement {
  const runs = Array.from({ length: repetitions }, () => measure(script));
  runs.sort((a, b) => a.wallSeconds - b.wallSeconds);
  return runs[Math.floor(runs.length / 2)]!;
}

const bare = median(join(here, "bare-loop.mjs"));
const queuesim = median(bundle);
const rows = [
  ["bare hand-written loop", bare],
  ["queuesim (fifo, M/M/4)", queuesim],
] as const;
console.log(
  `work queue, 4 consumers, Poisson arrivals at 90% load, exponential service, 1,000,000 messages (median of ${repetitions})`,
);
console.log("case                        process wall  simulate  events/s (process)  peak RSS");
for (const [name, m] of rows) {
  const simulate = m.simulateMs === undefined ? "" : `${(m.simulateMs / 1000).toFixed(2)}s`;
  console.log(
    `${name.padEnd(28)}${`${m.wallSeconds.toFixed(2)}s`.padStart(12)}${simulate.padStart(10)}${Math.round(
      m.events / m.wallSeconds,
    )
      .toLocaleString("en-US")
      .padStart(20)}${`${(m.maxRssKb / 1024).toFixed(0)} MB`.padStart(10)}`,
  );
}
console.log(`queuesim / bare loop: ${(queuesim.wallSeconds / bare.wallSeconds).toFixed(2)}x (aim: within 2x)`);

// The sweep benchmark runs in this process: worker threads load the TypeScript through tsx.
const sweep = spawnSync(process.execPath, ["--import", "tsx", join(here, "sweep.ts")], { encoding: "utf8" });
if (sweep.status !== 0) throw new Error(`bench/sweep.ts failed:\n${sweep.stderr}`);
console.log(sweep.stdout.trim());
