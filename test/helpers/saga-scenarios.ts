// Generated scenarios with a saga (docs/patterns.md, "Sagas") for the retirement tests and differential runs.
import fc from "fast-check";
import {
  durationDistributionArbitrary,
  type ScenarioSpace,
  validScenarioArbitrary,
  type WrittenScenario,
} from "../../src/explore/scenario-arbitrary.js";
import { validateScenario } from "../../src/index.js";

/** A saga laid over a generated scenario: its steps after g1 (and g2 when drawn), its compensations, its faults. */
export interface SagaDraw {
  /** Steps after the first (g1): 1 or 2. */
  laterSteps: number;
  /** Whether step 2 is the generated g2 (with its drawn retries, dead-lettering and steps) rather than a new group. */
  useSecondGroup: boolean;
  /** Per later step, its failure share in percent. */
  failures: number[];
  /** Per step but the last, whether it has a compensation. */
  compensated: boolean[];
  processing: unknown;
  /** Consumer crashes on the saga's own groups, each as permille of the run. */
  crashes: { group: number; atPermille: number; afterReceive: boolean }[];
  timeoutMs: number;
}

export const sagaDrawArbitrary: fc.Arbitrary<SagaDraw> = fc.record({
  laterSteps: fc.integer({ min: 1, max: 2 }),
  useSecondGroup: fc.boolean(),
  failures: fc.array(fc.constantFrom(0, 2, 10, 30, 100), { minLength: 2, maxLength: 2 }),
  compensated: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  processing: durationDistributionArbitrary,
  crashes: fc.array(
    fc.record({
      group: fc.integer({ min: 0, max: 3 }),
      atPermille: fc.integer({ min: 0, max: 999 }),
      afterReceive: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  timeoutMs: fc.constantFrom(50, 500, 5000),
});

/**
 * `scenario` with the saga `draw` describes, its first step g1; g1 and g2 no longer publish onward themselves.
 * A consumer crash after receiving, on a profile settled on delivery (RabbitMQ's drawn `autoAck`), loses a command
 * or a compensation: a stuck saga.
 */
export function withSaga(scenario: WrittenScenario, draw: SagaDraw): WrittenScenario {
  const consumers = (scenario.consumers as WrittenScenario[]).map(
    ({ publishTo: _publishTo, maxHops: _maxHops, writes: _writes, ...rest }) => rest,
  );
  const added: WrittenScenario[] = [];
  const newGroup = (name: string) => {
    added.push({ group: name, processing: draw.processing });
    return name;
  };
  const stepGroups = ["g1"];
  for (let step = 1; step <= draw.laterSteps; step++)
    stepGroups.push(step === 1 && draw.useSecondGroup && consumers.length > 1 ? "g2" : newGroup(`s${step + 1}`));
  // A step before one that can fail needs its compensation (the validator says so); the others may have one.
  const mayFailAfter = (step: number) => draw.failures.slice(step, draw.laterSteps).some((failure) => failure > 0);
  const compensated = (step: number) => step < draw.laterSteps && (draw.compensated[step]! || mayFailAfter(step));
  const steps = stepGroups.map((group, step) => ({
    group,
    ...(compensated(step) ? { compensate: newGroup(`u${step + 1}`) } : {}),
    ...(step > 0 ? { failure: draw.failures[step - 1]! / 100 } : {}),
  }));
  const durationMs = Number.parseInt(String(scenario.duration), 10);
  const crashes = draw.crashes
    .filter((crash) => crash.group < added.length)
    .map((crash) => ({
      at: `${Math.floor((crash.atPermille * durationMs) / 1000)}ms`,
      crash: "consumer",
      target: `${added[crash.group]!.group}/1`,
      ...(crash.afterReceive ? { point: "after-receive" } : {}),
      restartAfter: "20ms",
    }));
  return {
    ...scenario,
    consumers: [...consumers, ...added],
    sagas: { order: { steps, timeout: `${draw.timeoutMs}ms` } },
    faults: [...(scenario.faults as unknown[]), ...crashes],
  };
}

/** Generated scenarios (the swarm's generator, `space`) with a saga laid over them: only those the validator accepts. */
export function sagaScenarioArbitrary(space: ScenarioSpace = {}): fc.Arbitrary<WrittenScenario> {
  return fc
    .tuple(validScenarioArbitrary(space), sagaDrawArbitrary)
    .map(([scenario, draw]) => withSaga(scenario, draw))
    .filter((scenario) => validateScenario(scenario).ok);
}
