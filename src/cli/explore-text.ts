import { stringify } from "yaml";
import type { ExploreResult } from "../explore/explore.js";
import { styler } from "./style.js";

/** What `queuesim explore` prints: the search in figures, the signatures, and the shrunk counterexample. */
export function formatExplore(
  result: ExploreResult,
  about: { name: string; seed: number; replayFile: string },
): string {
  const style = styler(process.stdout);
  const found = result.counterexample;
  const lines = [
    `${style.bold(about.name)}  explore, seed ${about.seed}`,
    `  searched    ${result.runs} fault plans: ${result.failed} failed, ${result.runs - result.failed - result.skipped} passed, ${result.skipped} skipped (invalid or over the event budget)`,
  ];
  if (result.baselineFailed) lines.push(style.red("  the scenario fails with no fault added; nothing was searched"));
  if (result.signatures.length > 0) {
    lines.push(`  signatures  ${result.signatures.length} distinct (failed expectations <- fault kinds):`);
    for (const s of result.signatures)
      lines.push(`    ${String(s.runs).padStart(4)}  ${s.signature}  (first: run ${s.firstRun})`);
  }
  if (found === null) {
    lines.push(style.green("  no fault plan broke an expectation within the budget"));
    return lines.join("\n");
  }
  if (!result.baselineFailed) {
    lines.push(`  shrunk      run ${found.run} in ${found.shrinkSteps} steps (${found.shrinkRuns} runs) to:`);
  }
  const { duration, faults } = found.scenario;
  const instances = (found.scenario.consumers as { group: string; instances?: number }[])
    .map((c) => `${c.group} x${c.instances ?? 1}`)
    .join(", ");
  lines.push(`    duration ${duration}; consumers ${instances}`);
  for (const line of stringify({ faults }).trimEnd().split("\n")) lines.push(`    ${line}`);
  for (const check of found.summary.checks.filter((c) => !c.passed)) {
    lines.push(`  ${style.red("FAIL")}  ${check.name}: ${check.observed} (expected ${check.expected})`);
  }
  lines.push(`  replay: queuesim run ${about.replayFile}`);
  return lines.join("\n");
}
