import type { ParsedScenario } from "../scenario/schema.js";

/** Names of a scenario's components by index: groups, consumer instances (billing/2), producer instances (checkout#1). */
export interface ComponentNames {
  groups: string[];
  consumers: string[];
  producers: string[];
}

export function componentNames(scenario: ParsedScenario): ComponentNames {
  return {
    groups: scenario.consumers.map((c) => c.group),
    consumers: scenario.consumers.flatMap((c) => Array.from({ length: c.instances }, (_, i) => `${c.group}/${i + 1}`)),
    producers: scenario.producers.flatMap((p) => Array.from({ length: p.instances }, (_, i) => `${p.name}#${i + 1}`)),
  };
}
