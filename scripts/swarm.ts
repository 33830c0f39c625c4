// `npm run swarm -- --seeds N [--from S]`: N seeds of the swarm (a random profile, workload and fault plan each),
// every run checked against the invariants every profile keeps; a failing seed is printed with its shrunk
// scenario. Exit 1 if any seed fails.
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { swarmSeed } from "../src/explore/swarm.js";

const { values } = parseArgs({
  options: { seeds: { type: "string", default: "200" }, from: { type: "string", default: "1" } },
});
const seeds = Number(values.seeds);
const from = Number(values.from);
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(from) || from < 0) {
  console.error(`--seeds takes a whole number above 0 and --from one from 0, got ${values.seeds} and ${values.from}`);
  process.exit(2);
}
const started = performance.now();
const tally: Record<string, number> = { passed: 0, "over-budget": 0, failed: 0 };
for (let seed = from; seed < from + seeds; seed++) {
  const outcome = swarmSeed(seed);
  tally[outcome.kind] = (tally[outcome.kind] ?? 0) + 1;
  if ((seed - from + 1) % 500 === 0) process.stderr.write(`  ${seed - from + 1} of ${seeds}\n`);
  if (outcome.kind !== "failed") continue;
  console.log(`\nseed ${seed} FAILED: ${outcome.violations.map((v) => `${v.invariant}: ${v.detail}`).join("; ")}`);
  console.log(`shrunk in ${outcome.shrinkSteps} steps to (replay: npm run swarm -- --seeds 1 --from ${seed}):`);
  console.log(outcome.shrunkViolations.map((v) => `  ${v.invariant}: ${v.detail}`).join("\n"));
  console.log(stringify(outcome.shrunk));
}
const seconds = (performance.now() - started) / 1000;
const rate = (seeds / seconds).toFixed(0);
console.log(`swarm: ${seeds} seeds from ${from} in ${seconds.toFixed(1)} s (${rate}/s)`);
console.log(`  passed ${tally.passed}, over their event budget ${tally["over-budget"]}, failed ${tally.failed}`);
process.exitCode = tally.failed === 0 ? 0 : 1;
