/**
 * `queuesim run` given file names and at most `--out <directory>`, as bin.ts's quick path runs it: every other
 * option at the default yargs gives it (commands.ts). One module for bin.ts to load, so the build splits the
 * run's code into fewer chunks than three separate imports made (each chunk is a module Node loads and links).
 */
import { runGuarded } from "./guarded.js";
import { commandRun } from "./run.js";
import { runDefaults } from "./run-defaults.js";

export function runMain(scenarios: string[], out: string | undefined): Promise<void> {
  return runGuarded(() =>
    commandRun({
      scenarios,
      out: out ?? runDefaults.out,
      seed: undefined,
      json: false,
      trace: undefined,
      junit: undefined,
      replications: undefined,
      precision: undefined,
      metric: runDefaults.metric,
      maxReplications: runDefaults.maxReplications,
      workers: undefined,
      distributed: undefined,
    }),
  );
}
