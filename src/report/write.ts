import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Summary } from "./summary.js";

/** The directory a scenario's report goes to; refuses any name that would leave `outDir`. */
export function reportDirectory(outDir: string, scenarioName: string): string {
  const root = resolve(outDir);
  const directory = resolve(root, scenarioName);
  const inside = relative(root, directory);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new Error(`invariant: scenario name "${scenarioName}" would escape the report directory`);
  }
  return directory;
}

/** Writes summary.json atomically (write, then rename) and returns its path. */
export function writeSummary(outDir: string, summary: Summary): string {
  const directory = reportDirectory(outDir, summary.scenario);
  mkdirSync(directory, { recursive: true });
  const target = join(directory, "summary.json");
  writeAtomically(target, `${JSON.stringify(summary, null, 2)}\n`);
  return target;
}

export function writeAtomically(target: string, content: string): void {
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, target);
}
