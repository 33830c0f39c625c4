import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import { microsToMillis } from "../units/units.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

type Bounds = Partial<Record<string, FigureBound>>;

/**
 * The bounds under expect.sagas (docs/patterns.md, "Sagas"). A failed bound on `stuck` carries the first
 * stuck saga as its counter-example: its root message and its step timeline.
 */
export function sagaChecks(result: RunResult): CheckResult[] {
  const sagas = result.sagas;
  if (sagas === undefined) return [];
  const checks: CheckResult[] = [];
  for (const [name, bounds] of Object.entries(result.scenario.expect.sagas ?? {})) {
    const saga = sagas[name]!;
    const figures: Record<string, number> = {
      started: saga.started,
      completed: saga.completed,
      compensated: saga.compensated,
      stuck: saga.stuck,
      inFlight: saga.inFlight,
      compensatedTwice: saga.compensatedTwice,
      compensationsSent: saga.compensationsSent,
      compensationsApplied: saga.compensationsApplied,
      compensationsLost: saga.compensationsLost,
    };
    for (const [figure, bound] of Object.entries(bounds as Bounds)) {
      if (bound === undefined) continue;
      const check = boundCheck(`sagas.${name}.${figure}`, figures[figure]!, bound, saga.started);
      if (!check.passed && figure === "stuck" && saga.stuckExample !== null)
        checks.push({ ...check, counterExample: counterExample(result, name, saga.stuckExample) });
      else checks.push(check);
    }
  }
  return checks;
}

function counterExample(
  result: RunResult,
  saga: string,
  example: NonNullable<NonNullable<RunResult["sagas"]>[string]["stuckExample"]>,
): NonNullable<CheckResult["counterExample"]> {
  return {
    message: example.root,
    group: `saga ${saga}`,
    key: null,
    producer: result.names.producers[example.producer] ?? String(example.producer),
    events: example.timeline.map(({ what, atMicros }) => ({ what, atMs: microsToMillis(atMicros) })),
  };
}
