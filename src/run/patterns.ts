import type { Simulation } from "../engine/simulation.js";
import type { ProcessingHost, ProcessingPlan } from "../model/processing.js";
import { CircuitBreaker } from "../patterns/breaker.js";
import { Dependency } from "../patterns/dependency.js";
import { type RunnableStep, StepRunner } from "../patterns/plan.js";
import { emptyRetryFigures, type RetryFigures } from "../patterns/retry-figures.js";
import { noRetries } from "../patterns/spec.js";
import { type Distribution, samplerFor } from "../random/distributions.js";
import type { RandomStreams } from "../random/streams.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** The application patterns of a run: its dependencies, and each group's retry figures (null: the group has no steps). */
export interface Patterns {
  dependencies: Dependency[];
  retryFigures: (RetryFigures | null)[];
  /** Circuit breakers, named group/dependency, each shared by its group's instances. */
  breakers: CircuitBreaker[];
}

/**
 * The scenario's dependencies, each drawing from its own streams
 * (`dependency:<name>:latency` ...). A scenario that declares none builds
 * nothing, and its consumers run their single processing draw as before.
 */
export function buildPatterns(scenario: ParsedScenario, sim: Simulation, streams: RandomStreams): Patterns {
  const groups = scenario.consumers.length;
  const dependencies = Object.entries(scenario.dependencies ?? {}).map(
    ([name, spec]) =>
      new Dependency(
        name,
        spec,
        sim,
        {
          latency: samplerFor(spec.latency, streams.stream(`dependency:${name}:latency`)),
          errors: streams.stream(`dependency:${name}:errors`),
          applied: streams.stream(`dependency:${name}:applied`),
        },
        groups,
      ),
  );
  const retryFigures = scenario.consumers.map((c) => (c.steps === undefined ? null : emptyRetryFigures()));
  const breakers = scenario.consumers.flatMap((consumer) =>
    Object.entries(consumer.breakers ?? {}).map(
      ([name, spec]) => new CircuitBreaker(`${consumer.group}/${name}`, spec),
    ),
  );
  return { dependencies, retryFigures, breakers };
}

/** The processing plan of one consumer instance, or undefined for a group without steps. */
export function planFor(
  patterns: Patterns,
  { scenario, sim, streams }: { scenario: ParsedScenario; sim: Simulation; streams: RandomStreams },
  group: number,
  name: string,
): ((host: ProcessingHost) => ProcessingPlan) | undefined {
  const spec = scenario.consumers[group]!;
  const figures = patterns.retryFigures[group];
  if (spec.steps === undefined || figures === null || figures === undefined) return undefined;
  const steps = spec.steps.map((step, index): RunnableStep => {
    if ("work" in step) {
      const work: Distribution = step.work;
      return { kind: "work", duration: samplerFor(work, streams.stream(`consumer:${name}:step${index}`)) };
    }
    const dependency = patterns.dependencies.find((d) => d.name === step.call);
    if (dependency === undefined) throw new Error(`invariant: step calls undeclared dependency ${step.call}`);
    const breaker = patterns.breakers.find((b) => b.name === `${spec.group}/${step.call}`) ?? null;
    return { kind: "call", dependency, sideEffect: step.sideEffect, idempotencyKey: step.idempotencyKey, breaker };
  });
  const runner = new StepRunner({
    sim,
    group,
    steps,
    retry: spec.retry ?? noRetries,
    jitter: streams.stream(`consumer:${name}:retry-jitter`),
    figures,
  });
  return (host) => runner.attach(host);
}
