import type { Simulation } from "../engine/simulation.js";
import type { MessageTable } from "../model/messages.js";
import type { ProcessingHost, ProcessingPlan } from "../model/processing.js";
import type { PublishLimit } from "../model/publish-limit.js";
import { CircuitBreaker } from "../patterns/breaker.js";
import { Dependency } from "../patterns/dependency.js";
import {
  countPermit,
  emptyLimiterFigures,
  emptyPublishLimiterFigures,
  type Limiter,
  type LimiterFigures,
  type LimiterSpec,
  limiterFor,
  type PublishLimiterFigures,
} from "../patterns/limiter.js";
import { type RunnableStep, StepRunner } from "../patterns/plan.js";
import { emptyRedriveFigures } from "../patterns/redrive.js";
import { emptyRetryFigures, type RetryFigures } from "../patterns/retry-figures.js";
import { noRetries } from "../patterns/spec.js";
import { type Sampler, samplerFor } from "../random/distributions.js";
import type { RandomStreams } from "../random/streams.js";
import type { ParsedScenario } from "../scenario/schema.js";

/**
 * The application patterns of a run: its dependencies, and per group its retry and limiter figures
 * (null: the group has no steps and no rate limit, and processes as before).
 */
export interface Patterns {
  dependencies: Dependency[];
  retryFigures: (RetryFigures | null)[];
  /** Circuit breakers: group/dependency shared by the group, group/instance/dependency one per instance. */
  breakers: CircuitBreaker[];
  limiterFigures: (LimiterFigures | null)[];
  /** Per group: the limiter shared by the group, or by each key (instance-scoped ones are made per instance). */
  sharedLimiters: (((message: number) => Limiter) | null)[];
  /** Per producer, in the scenario's order: its client-side rate limit, or null when it declares none. */
  publishLimits: (ProducerLimit | null)[];
}

/** A producer's rate limit: its figures (shared by its instances) and its shared limiter (null: one per instance). */
export interface ProducerLimit {
  name: string;
  spec: LimiterSpec;
  figures: PublishLimiterFigures;
  shared: ((message: number) => Limiter) | null;
}

type ConsumerSpec = ParsedScenario["consumers"][number];

/** Whether a group processes through a plan: it has steps or a rate limit. */
const hasPlan = (spec: ConsumerSpec) => spec.steps !== undefined || spec.rateLimit !== undefined;

/**
 * The scenario's dependencies, each drawing from its own streams
 * (`dependency:<name>:latency` ...), breakers and limiters. A scenario that
 * declares none builds nothing, and its consumers run their single
 * processing draw as before.
 */
export function buildPatterns(
  scenario: ParsedScenario,
  sim: Simulation,
  streams: RandomStreams,
  messages: MessageTable,
): Patterns {
  const dependencies = Object.entries(scenario.dependencies ?? {}).map(([name, spec]) => {
    const draws = {
      latency: samplerFor(spec.latency, streams.stream(`dependency:${name}:latency`)),
      errors: streams.stream(`dependency:${name}:errors`),
      applied: streams.stream(`dependency:${name}:applied`),
    };
    return new Dependency(name, spec, sim, draws, messages);
  });
  const breakers = scenario.consumers.flatMap((consumer) =>
    Object.entries(consumer.breakers ?? {}).flatMap(([name, spec]) =>
      spec.scope === "instance"
        ? Array.from(
            { length: consumer.instances },
            (_, i) => new CircuitBreaker(`${consumer.group}/${i + 1}/${name}`, spec),
          )
        : [new CircuitBreaker(`${consumer.group}/${name}`, spec)],
    ),
  );
  return {
    dependencies,
    retryFigures: scenario.consumers.map(retryFiguresOf),
    breakers,
    limiterFigures: scenario.consumers.map((c) => (c.rateLimit === undefined ? null : emptyLimiterFigures())),
    sharedLimiters: scenario.consumers.map((c) => sharedLimiter(c.rateLimit, messages)),
    publishLimits: scenario.producers.map((p) =>
      p.rateLimit === undefined
        ? null
        : {
            name: p.name,
            spec: p.rateLimit,
            figures: emptyPublishLimiterFigures(),
            shared: sharedLimiter(p.rateLimit, messages),
          },
    ),
  };
}

/**
 * A group's retry figures: for a group with a plan, and for one with a DLQ redrive, whose counts are
 * reported with them (`retries.<group>.redriven`) even when the group has no steps.
 */
function retryFiguresOf(spec: ConsumerSpec): RetryFigures | null {
  const viaBroker = spec.retry?.via === "broker" ? { viaBroker: 0 } : {};
  if (spec.redrive !== undefined) return { ...emptyRetryFigures(), ...viaBroker, redrive: emptyRedriveFigures() };
  return hasPlan(spec) ? { ...emptyRetryFigures(), ...viaBroker } : null;
}

/**
 * A limiter shared by all instances (of a group or a producer), or one per message key shared by them;
 * null when there is no limit or each instance has its own.
 */
function sharedLimiter(limit: LimiterSpec | undefined, messages: MessageTable): ((message: number) => Limiter) | null {
  if (limit === undefined || limit.scope === "instance") return null;
  if (limit.scope === "group") {
    const limiter = limiterFor(limit);
    return () => limiter;
  }
  const byKey = new Map<number, Limiter>();
  return (message) => {
    const key = messages.key[messages.slot(message)]!;
    let limiter = byKey.get(key);
    if (limiter === undefined) {
      limiter = limiterFor(limit);
      byKey.set(key, limiter);
    }
    return limiter;
  };
}

/** The processing plan of one consumer instance, or undefined for a group without steps or a rate limit. */
export function planFor(
  patterns: Patterns,
  { scenario, sim, streams }: { scenario: ParsedScenario; sim: Simulation; streams: RandomStreams },
  { group, name, processing }: { group: number; name: string; processing: Sampler },
): ((host: ProcessingHost) => ProcessingPlan) | undefined {
  const spec = scenario.consumers[group]!;
  const figures = patterns.retryFigures[group];
  if (!hasPlan(spec) || figures === null || figures === undefined) return undefined;
  // A rate limit without steps limits the group's usual processing: one work step of its processing draw.
  const steps =
    spec.steps === undefined
      ? [{ kind: "work", duration: processing } as const]
      : runnableSteps(patterns, spec, streams, name);
  const limit = spec.rateLimit;
  const own = limit?.scope === "instance" ? limiterFor(limit) : null;
  const runner = new StepRunner({
    sim,
    group,
    steps,
    retry: spec.retry ?? noRetries,
    jitter: streams.stream(`consumer:${name}:retry-jitter`),
    figures,
    limiterOf: own === null ? patterns.sharedLimiters[group]! : () => own,
    limiterFigures: patterns.limiterFigures[group]!,
  });
  return (host) => runner.attach(host);
}

function runnableSteps(patterns: Patterns, spec: ConsumerSpec, streams: RandomStreams, name: string): RunnableStep[] {
  return spec.steps!.map((step, index): RunnableStep => {
    if ("work" in step)
      return { kind: "work", duration: samplerFor(step.work, streams.stream(`consumer:${name}:step${index}`)) };
    const dependency = patterns.dependencies.find((d) => d.name === step.call);
    if (dependency === undefined) throw new Error(`invariant: step calls undeclared dependency ${step.call}`);
    // An instance's own breaker (orders/3/payments) if the group keeps one per instance, else the group's.
    const breaker =
      patterns.breakers.find((b) => b.name === `${name}/${step.call}` || b.name === `${spec.group}/${step.call}`) ??
      null;
    return { kind: "call", dependency, sideEffect: step.sideEffect, idempotencyKey: step.idempotencyKey, breaker };
  });
}

/** The rate limit in front of one producer instance's publish call, or null for a producer without one. */
export function publishLimitFor(patterns: Patterns, written: number): PublishLimit | null {
  const limit = patterns.publishLimits[written];
  if (limit === null || limit === undefined) return null;
  const { figures, shared, spec } = limit;
  // An instance's own limiter lives in its process: a restart starts it afresh.
  let own = shared === null ? limiterFor(spec) : null;
  const limiterOf = shared ?? (() => own!);
  return {
    reserve(message, now) {
      const wait = limiterOf(message).reserve(now);
      countPermit(figures, wait);
      return wait;
    },
    waitingChanged(change) {
      figures.waiting += change;
      if (figures.waiting > figures.maxWaiting) figures.maxWaiting = figures.waiting;
    },
    restarted() {
      if (own !== null) own = limiterFor(spec);
    },
  };
}
