// Loads the scenario files a command names, reporting every problem in every file at once.
import { formatIssue, messages } from "../scenario/issues.js";
import { loadScenarioFile } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { UsageError } from "./usage.js";

export interface LoadedScenario {
  file: string;
  scenario: ParsedScenario;
  /** The file's content as written, for commands that vary it (compare, sweep). */
  data: Record<string, unknown>;
}

/** Loads and validates every file; any problem in any file is a UsageError listing them all. */
export function loadScenarios(files: readonly string[]): LoadedScenario[] {
  const loaded: LoadedScenario[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = loadScenarioFile(file);
    if (result.ok) {
      loaded.push({ file, scenario: result.scenario, data: result.data });
      // Settings adjusted as the real system would: the run goes ahead, and the user hears of it.
      if (result.warnings.length > 0) {
        const lines = [messages.warningIn(file), ...result.warnings.map((w) => `  ${formatIssue(w, file)}`)];
        process.stderr.write(`${lines.join("\n")}\n`);
      }
    } else {
      const count = result.issues.length;
      problems.push(
        `${count} problem${count === 1 ? "" : "s"} in ${file}:`,
        ...result.issues.map((i) => `  ${formatIssue(i, file)}`),
      );
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return loaded;
}
