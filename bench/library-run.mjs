// The library call as a user makes it: import the built package, load a scenario file, run it; no reports.
// Prints the run's event count so the benchmark can check it ran the whole scenario.
import { loadScenarioFile, runScenario } from "../dist/index.js";

const loaded = loadScenarioFile(process.argv[2]);
if (!loaded.ok) throw new Error(`${process.argv[2]} is invalid`);
const { summary } = runScenario(loaded.scenario);
console.log(JSON.stringify({ events: summary.simulated.events }));
