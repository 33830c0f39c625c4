import { ExitCode } from "./exit-codes.js";
import { loadScenarios } from "./load-scenarios.js";
import { styler } from "./style.js";

/** `queuesim validate`: load and check each file, run nothing. */
export function commandValidate(files: string[]): number {
  const style = styler(process.stdout);
  for (const { file, scenario } of loadScenarios(files))
    console.log(`${style.green("valid")}  ${file} (${scenario.name})`);
  return ExitCode.ok;
}
