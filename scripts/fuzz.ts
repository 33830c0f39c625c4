// `npm run fuzz -- --runs N [--seed S]`: N generated, mutated and broken scenario files through the validator
// and the run, in-process; prints the exits seen and every internal error or unplaced rejection, exit 1 if any.
import { parseArgs } from "node:util";
import { fuzz } from "../src/explore/fuzz.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "1000" }, seed: { type: "string", default: "15" } },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || seed < 0) {
  console.error(`--runs takes a whole number above 0 and --seed one from 0, got ${values.runs} and ${values.seed}`);
  process.exit(2);
}
const started = performance.now();
const report = fuzz({
  runs,
  seed,
  onCase: (done) => {
    if (done % 1000 === 0) process.stderr.write(`  ${done} of ${runs}\n`);
  },
});
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz: ${report.runs} cases from seed ${seed} in ${seconds.toFixed(1)} s (${(report.runs / seconds).toFixed(0)}/s)`);
console.log(`  exits: ${Object.entries(report.byExit).map(([exit, count]) => `${exit}: ${count}`).join(", ")}`);
for (const failure of report.failures) {
  console.log(`\n${failure.exit}:\n${"error" in failure ? failure.error : ""}\n--- the file:\n${failure.text}`);
}
const internal = (report.byExit["internal-error"] ?? 0) + (report.byExit["no-position"] ?? 0);
console.log(`  internal errors or unplaced rejections: ${internal}`);
process.exitCode = internal === 0 ? 0 : 1;
