import type { BreakerFigures } from "../patterns/breaker.js";
import type { DependencyFigures } from "../patterns/dependency.js";
import type { LimiterFigures, PublishLimiterFigures } from "../patterns/limiter.js";
import type { RedriveFigures } from "../patterns/redrive.js";
import {
  amplificationOf,
  attemptsPerDeliveryOf,
  type PatternFigures,
  type RetryFigures,
} from "../patterns/retry-figures.js";
import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";

type Bounds = Partial<Record<string, FigureBound>>;

/** One figure of a dependency, a group's retries or a breaker, as summary.json states it. */
const figureOf = {
  dependencies: (figures: DependencyFigures, name: string): number =>
    name === "amplification" ? amplificationOf(figures) : (figures[name as keyof DependencyFigures] as number),
  retries: (figures: RetryFigures, name: string): number => {
    if (name === "attemptsPerDelivery") return attemptsPerDeliveryOf(figures);
    if (name === "backoffMs") return figures.backoffMicros / 1000;
    if (name.startsWith("redriven")) return figures.redrive?.[name as keyof RedriveFigures] ?? 0;
    return figures[name as keyof RetryFigures] as number;
  },
  breakers: (figures: BreakerFigures, name: string): number =>
    name === "openMs" ? figures.openMicros / 1000 : (figures[name as keyof BreakerFigures] as number),
  limiters: (figures: LimiterFigures, name: string): number => {
    if (name === "delayMs") return figures.delayMicros / 1000;
    if (name === "maxDelayMs") return figures.maxDelayMicros / 1000;
    if (name === "meanDelayMs") return figures.acquired === 0 ? 0 : figures.delayMicros / figures.acquired / 1000;
    // A producer's limiter counts the messages its client held (validation allows the bound on producers only).
    if (name === "maxWaiting") return (figures as Partial<PublishLimiterFigures>).maxWaiting ?? 0;
    return figures[name as keyof LimiterFigures];
  },
};

/** The bounds under expect.dependencies, expect.retries and expect.breakers, judged against the run. */
export function patternChecks(result: RunResult): CheckResult[] {
  const expect = result.scenario.expect;
  const figures = result.patterns;
  if (figures === undefined) return [];
  const published = result.counts.published;
  const checks: CheckResult[] = [];
  for (const section of ["dependencies", "retries", "breakers", "limiters"] as const) {
    for (const [name, bounds] of Object.entries(expect[section] ?? {})) {
      const of = sectionFigures(figures, section, name);
      if (of === undefined) continue;
      for (const [figure, bound] of Object.entries(bounds as Bounds)) {
        if (bound !== undefined) checks.push(boundCheck(`${section}.${name}.${figure}`, of(figure), bound, published));
      }
    }
  }
  return checks;
}

function sectionFigures(
  figures: PatternFigures,
  section: "dependencies" | "retries" | "breakers" | "limiters",
  name: string,
): ((figure: string) => number) | undefined {
  if (section === "limiters") {
    const limiter = figures.limiters[name];
    return limiter && ((figure) => figureOf.limiters(limiter, figure));
  }
  if (section === "dependencies") {
    const dependency = figures.dependencies[name];
    return dependency && ((figure) => figureOf.dependencies(dependency, figure));
  }
  if (section === "retries") {
    const retries = figures.retries[name];
    return retries && ((figure) => figureOf.retries(retries, figure));
  }
  const breaker = figures.breakers[name];
  return breaker && ((figure) => figureOf.breakers(breaker, figure));
}

/** A check that `value` lies within `bound` (a percentage bound is a share of the `published` messages). */
export function boundCheck(name: string, value: number, bound: FigureBound, published: number): CheckResult {
  const limit = (b: { value: number; ofPublished: boolean }) => (b.ofPublished ? b.value * published : b.value);
  const show = (b: { value: number; ofPublished: boolean }) =>
    b.ofPublished ? `${round(b.value * 100)}% of ${published} published (${round(limit(b))})` : String(b.value);
  const parts: string[] = [];
  let passed = true;
  if (bound.min !== undefined) {
    parts.push(`>= ${show(bound.min)}`);
    passed &&= value >= limit(bound.min);
  }
  if (bound.max !== undefined) {
    parts.push(`<= ${show(bound.max)}`);
    passed &&= value <= limit(bound.max);
  }
  return { name, expected: parts.join(" and "), observed: String(round(value)), passed };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
