import { loadScenarioFile } from "./src/scenario/load.ts";
import { formatIssue } from "./src/scenario/issues.ts";
const r = loadScenarioFile(process.argv[2]!);
if (!r.ok) for (const i of r.issues) console.log(formatIssue(i, r.file)); else console.log(JSON.stringify(r.scenario, null, 1));
