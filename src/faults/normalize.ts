import { componentsOf, type FaultScope } from "./components.js";
import { type Fault, kindOfWritten } from "./registry.js";

/**
 * The scenario's faults with every target resolved to indices (consumer and
 * producer instances, broker nodes, links), once, after validation: nothing
 * later reads a target string again.
 */
export function normalizeFaults(scenario: FaultScope): Fault[] {
  if (scenario.faults.length === 0) return [];
  const components = componentsOf(scenario);
  return scenario.faults.map((fault, index) => kindOfWritten(fault).normalize(fault, index, components) as Fault);
}
