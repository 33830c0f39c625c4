/**
 * Runs the Kafka suite by hand until the conformance runner is in: sets up the fixture, runs each
 * experiment (or those whose id contains an argument) against the real broker and as a scenario,
 * and prints both sides' figures with each rule's verdict.
 *   node --import tsx conformance/kafka/try.ts [key-ordering] [--sim-only]
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScenario, validateScenario } from "../../src/index.js";
import type { Figures, RealContext, Rule } from "../lib/experiment.js";
import { kafkaSuite } from "./suite.js";

const args = process.argv.slice(2);
const simOnly = args.includes("--sim-only");
const filters = args.filter((a) => !a.startsWith("--"));
const experiments = kafkaSuite.experiments.filter((e) => filters.length === 0 || filters.some((f) => e.id.includes(f)));
const base = mkdtempSync(join(tmpdir(), "queuesim-kafka-"));
const started = Date.now();
const context = (dir: string): RealContext => ({
  dir,
  log: (line) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`),
  port: () => Promise.resolve(0).then(() => freePort()),
});

function agrees(rule: Rule, real: number, simulated: number): boolean {
  switch (rule.kind) {
    case "exact":
      return real === simulated;
    case "band":
      return Math.abs(simulated - real) <= Math.max(rule.absolute ?? 0, (rule.relative ?? 0) * Math.abs(real));
    case "within":
      return simulated >= rule.min && simulated <= rule.max;
  }
}

let fixture: Awaited<ReturnType<typeof kafkaSuite.setUp>> | undefined;
try {
  if (!simOnly) {
    const t = Date.now();
    fixture = await kafkaSuite.setUp(join(base, "fixture"), context(join(base, "fixture")));
    console.log(`setUp: ${Date.now() - t} ms, Kafka ${kafkaSuite.version(fixture)}`);
  }
  for (const experiment of experiments) {
    console.log(`\n${experiment.id}: ${experiment.title}`);
    const parsed = validateScenario(experiment.scenario());
    if (!parsed.ok) throw new Error(`${experiment.id}: invalid scenario ${JSON.stringify(parsed.issues)}`);
    let t = Date.now();
    const simulated: Figures = experiment.simulated(runScenario(parsed.scenario));
    console.log(`  simulated in ${Date.now() - t} ms`);
    let real: Figures | undefined;
    if (fixture) {
      const dir = join(base, experiment.id.replace("/", "-"));
      mkdirSync(dir, { recursive: true });
      t = Date.now();
      real = await experiment.real(fixture, context(dir));
      console.log(`  real in ${Date.now() - t} ms`);
    }
    for (const [figure, rule] of Object.entries(experiment.rules)) {
      const s = simulated[figure] ?? Number.NaN;
      const r = real?.[figure];
      const verdict = r === undefined ? "" : agrees(rule, r, s) ? "agree" : "DISAGREE";
      console.log(
        `  ${figure.padEnd(14)} real ${String(r ?? "-").padStart(8)}  simulated ${String(s).padStart(8)}  ${rule.kind}  ${verdict}`,
      );
    }
  }
} finally {
  if (fixture) {
    const t = Date.now();
    await kafkaSuite.tearDown(fixture);
    console.log(`tearDown: ${Date.now() - t} ms`);
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? done(address.port) : fail(new Error("no port"))));
    });
  });
}
