import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
  return writeReportFiles(reportDirectory(outDir, summary.scenario), { "summary.json": summaryJson(summary) })[0]!;
}

export function summaryJson(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/**
 * Writes a report's files into `directory`. Everything is first written to a
 * staging folder beside it and only then moved into place, one rename per file,
 * so a failure half-way never leaves a half-written report. Files of other
 * names already in the directory are left alone. Returns the written paths.
 */
export function writeReportFiles(directory: string, files: Record<string, string | Uint8Array>): string[] {
  const staging = `${directory}.${process.pid}.staging`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(staging, name, ".."), { recursive: true });
      writeFileSync(join(staging, name), content);
    }
    const written: string[] = [];
    for (const name of Object.keys(files)) {
      const target = join(directory, name);
      mkdirSync(join(target, ".."), { recursive: true });
      renameSync(join(staging, name), target);
      written.push(target);
    }
    return written;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
