import * as z from "zod";
import type { BreakerSpec } from "../patterns/breaker.js";
import type { LimiterSpec } from "../patterns/limiter.js";
import { duration, durationDistribution, rate } from "../units/quantities.js";

/**
 * The application patterns in a scenario: `dependencies:` (downstream
 * services), and per consumer group its processing `steps:` and `retry:`
 * policy. Parsed into the types of src/patterns/spec.ts. See docs/patterns.md.
 */
const probability = (description: string) => z.number().min(0).max(1).default(0).meta({ description });

export const dependencySchema = z
  .strictObject({
    latency: durationDistribution().meta({ description: "how long the service takes to answer a call it serves" }),
    concurrency: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .meta({ description: "calls it serves at once; null: no limit" }),
    overflow: z.enum(["queue", "refuse"]).default("queue").meta({
      description: "beyond concurrency: queue (wait in line, like a connection pool) or refuse (HTTP 429/503 at once)",
    }),
    errors: z
      .strictObject({
        transient: probability("share of served calls failing in a way worth retrying (a 503)"),
        permanent: probability("share of served calls failing for good (a 400); never retried by default"),
      })
      .prefault({})
      .refine((errors) => errors.transient + errors.permanent <= 1, {
        message: "transient and permanent error shares add up to more than 1",
      }),
    timeout: duration()
      .nullable()
      .default(null)
      .meta({ description: "the client stops waiting after this long; null: it waits however long" }),
    appliedOnTimeout: z.number().min(0).max(1).default(1).meta({
      description:
        "for a call whose client timed out: the probability the service applied its side effect anyway (1: a service finishes what it started)",
    }),
  })
  .meta({ description: "a downstream service that consumers call while processing" });

const stepSchema = z.union([
  z.strictObject({ work: durationDistribution().meta({ description: "local work: time it takes" }) }),
  z.strictObject({
    call: z.string().meta({ description: "the dependency called (a name under dependencies:)" }),
    sideEffect: z
      .boolean()
      .default(false)
      .meta({ description: "this call applies the message's side effect (charges the card)" }),
    idempotencyKey: z.boolean().default(false).meta({
      description:
        "the message id goes with the call as an idempotency key: the service applies an effect once per key",
    }),
  }),
]);

export const stepsSchema = z
  .array(stepSchema)
  .min(1)
  .meta({ description: "the consumer's processing as steps, run in order; replaces the single processing draw" });

const jitter = z.enum(["none", "full", "equal", "decorrelated"]).default("none").meta({
  description: "randomizes each delay as in AWS's Exponential Backoff and Jitter: none, full, equal or decorrelated",
});

const backoffSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none").meta({ description: "retry at once" }) }),
  z.strictObject({
    type: z.literal("fixed").meta({ description: "the same delay before every retry" }),
    delay: duration().meta({ description: "wait before each retry" }),
    jitter,
  }),
  z.strictObject({
    type: z.literal("exponential").meta({ description: "delay = min(cap, base x multiplier^(retry-1))" }),
    base: duration().meta({ description: "delay before the first retry" }),
    multiplier: z.number().min(1).max(1000).default(2).meta({ description: "growth from one retry to the next" }),
    cap: duration().prefault("30s").meta({ description: "longest delay" }),
    jitter,
  }),
]);

export const retrySchema = z
  .strictObject({
    maxAttempts: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(3)
      .meta({ description: "attempts in all, the first included; null: no limit" }),
    backoff: backoffSchema.prefault({ type: "none" }),
    retryOn: z
      .array(z.enum(["transient", "permanent", "timeout", "refused", "breaker-open"]))
      .default(["transient", "timeout", "refused", "breaker-open"])
      .meta({ description: "failures worth another attempt: transient, permanent, timeout, refused, breaker-open" }),
    scope: z.enum(["handler", "call"]).default("handler").meta({
      description:
        "handler: each attempt runs every step again (Spring Kafka); call: only the failed call (Resilience4j, Polly)",
    }),
    onExhausted: z.enum(["nack", "dead-letter", "drop", "park"]).default("dead-letter").meta({
      description:
        "after the last attempt: nack (back to the broker), dead-letter, drop, or park (a parking-lot queue)",
    }),
    via: z.enum(["consumer", "broker"]).default("consumer").meta({
      description:
        "consumer: the consumer keeps the delivery and waits in process; broker: it hands the message back to the broker, delivered again after the backoff delay (rabbitmq: retry queues; sqs: ChangeMessageVisibility; kafka: retry topics)",
    }),
  })
  .superRefine((retry, ctx) => {
    if (retry.maxAttempts !== null) return;
    const waits =
      retry.backoff.type === "fixed"
        ? retry.backoff.delay > 0
        : retry.backoff.type === "exponential" && retry.backoff.base > 0;
    if (!waits)
      ctx.addIssue({
        code: "custom",
        path: ["maxAttempts"],
        message:
          "a retry policy with no attempt limit and no delay between attempts never ends: set maxAttempts, or a backoff that waits",
      });
    if (retry.retryOn.includes("permanent"))
      ctx.addIssue({
        code: "custom",
        path: ["retryOn"],
        message:
          "a retry policy with no attempt limit that retries permanent errors never ends for them: set maxAttempts, or leave permanent out",
      });
  })
  .meta({ description: "the group's in-process retry policy around its steps (needs steps)" });

const breakerWindow = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("count").meta({ description: "the last `size` calls (Resilience4j COUNT_BASED)" }),
    size: z.number().int().positive().max(1_000_000).meta({ description: "calls in the window" }),
  }),
  z.strictObject({
    type: z.literal("time").meta({ description: "the calls of the last `length` (Resilience4j TIME_BASED)" }),
    length: duration().refine((micros) => micros > 0, { message: "a time window must be longer than 0" }),
  }),
]);

export const breakerSchema = z
  .strictObject({
    window: breakerWindow.prefault({ type: "count", size: 100 }),
    failureRate: z.number().gt(0).max(1).optional().meta({
      description: "open when the window's failure share reaches this (Resilience4j failureRateThreshold, default 0.5)",
    }),
    minimumCalls: z
      .number()
      .int()
      .positive()
      .default(10)
      .meta({ description: "calls the window needs before the failure share counts" }),
    consecutiveFailures: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "open on this many failures in a row (instead of a failure share)" }),
    openFor: duration().prefault("60s").meta({ description: "how long it stays open (waitDurationInOpenState)" }),
    halfOpenCalls: z
      .number()
      .int()
      .positive()
      .default(10)
      .meta({ description: "probes let through when half-open (permittedNumberOfCallsInHalfOpenState)" }),
    scope: z.enum(["group", "instance"]).default("group").meta({
      description:
        "group: one breaker shared by the group's instances; instance: one per instance, as Resilience4j keeps one per process",
    }),
    whileOpen: z.enum(["fail-fast", "pause", "nack"]).default("fail-fast").meta({
      description:
        "fail-fast: the call fails at once, into the retry policy; pause: the message waits for the breaker to let calls through (stop consuming); nack: hand the message back to the broker",
    }),
  })
  .superRefine((breaker, ctx) => {
    if (breaker.failureRate !== undefined && breaker.consecutiveFailures !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["consecutiveFailures"],
        message: "give either failureRate or consecutiveFailures, not both",
      });
  })
  .transform((breaker): BreakerSpec => {
    const consecutive = breaker.consecutiveFailures ?? null;
    return {
      window: breaker.window,
      failureRate: consecutive === null ? (breaker.failureRate ?? 0.5) : null,
      minimumCalls: breaker.minimumCalls,
      consecutiveFailures: consecutive,
      openFor: breaker.openFor,
      halfOpenCalls: breaker.halfOpenCalls,
      whileOpen: breaker.whileOpen,
      scope: breaker.scope,
    };
  })
  .meta({
    description:
      "a circuit breaker around calls to one dependency, shared by the group's instances or one per instance",
  });

export const breakersSchema = z
  .record(z.string(), breakerSchema)
  .meta({ description: "circuit breakers by the dependency they guard (a name under dependencies:)" });

const limiterScope = z.enum(["group", "instance", "key"]).default("group").meta({
  description: "who shares the limit: the whole group, each instance on its own, or each message key",
});

export const rateLimitSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("token-bucket").meta({ description: "tokens refill at rate up to burst (Guava, Bucket4j)" }),
      rate: rate().meta({ description: "tokens added per second" }),
      burst: z.number().int().positive().default(1).meta({ description: "most tokens held: the largest burst" }),
      scope: limiterScope,
    }),
    z.strictObject({
      type: z
        .literal("fixed-window")
        .meta({ description: "at most limit per window (BullMQ's limiter: max per duration)" }),
      limit: z.number().int().positive().meta({ description: "permits per window" }),
      window: duration().refine((micros) => micros > 0, { message: "a window must be longer than 0" }),
      scope: limiterScope,
    }),
    z.strictObject({
      type: z.literal("sliding-window").meta({ description: "at most limit in any window of this length" }),
      limit: z.number().int().positive().max(1_000_000).meta({ description: "permits per window" }),
      window: duration().refine((micros) => micros > 0, { message: "a window must be longer than 0" }),
      scope: limiterScope,
    }),
  ])
  .transform(
    (limit): LimiterSpec =>
      limit.type === "token-bucket"
        ? { type: "token-bucket", ratePerSecond: limit.rate, burst: limit.burst, scope: limit.scope }
        : limit,
  )
  .meta({ description: "a rate limit on the deliveries the group starts processing: each waits for a permit" });

export const dependenciesSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      message: "a dependency name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    }),
    dependencySchema,
  )
  .optional()
  .meta({ description: "downstream services consumers call while processing, by name" });

/** What the cross-field checks read of a parsed scenario. */
interface PatternScope {
  dependencies?: Record<string, unknown> | undefined;
  producers?: readonly { name: string; rateLimit?: unknown }[];
  consumers: readonly {
    group: string;
    rateLimit?: unknown;
    steps?: readonly object[] | undefined;
    retry?: unknown;
    breakers?: Record<string, unknown> | undefined;
  }[];
}

/** Steps that call undeclared dependencies, and retry policies with no steps to retry; with candidates for "did you mean". */
export function patternProblems(
  scenario: PatternScope,
): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const known = Object.keys(scenario.dependencies ?? {});
  const problems: { path: (string | number)[]; message: string; candidates: string[] }[] = [];
  scenario.consumers.forEach((consumer, group) => {
    consumer.steps?.forEach((step, index) => {
      if (!("call" in step)) return;
      const name = String(step.call);
      if (known.includes(name)) return;
      const declared = known.length === 0 ? "none is declared under dependencies:" : `known: ${known.join(", ")}`;
      problems.push({
        path: ["consumers", group, "steps", index, "call"],
        message: `"${name}" is not a dependency (${declared})`,
        candidates: known,
      });
    });
    for (const name of Object.keys(consumer.breakers ?? {})) {
      const called = (consumer.steps ?? []).some((step) => "call" in step && step.call === name);
      if (called) continue;
      const message = known.includes(name)
        ? `a breaker around "${name}", which this group's steps never call`
        : `"${name}" is not a dependency (${known.length === 0 ? "none is declared under dependencies:" : `known: ${known.join(", ")}`})`;
      problems.push({ path: ["consumers", group, "breakers", name], message, candidates: known });
    }
    if (consumer.retry !== undefined && consumer.steps === undefined)
      problems.push({
        path: ["consumers", group, "retry"],
        message: "a retry policy retries failed steps: give this group steps (calls to its dependencies)",
        candidates: [],
      });
  });
  problems.push(...limiterNameClashes(scenario));
  return problems;
}

/** summary.json reports limiters by name: a rate-limited producer may not share its name with a rate-limited group. */
function limiterNameClashes(scenario: PatternScope): { path: (string | number)[]; message: string; candidates: [] }[] {
  const limitedGroups = scenario.consumers.filter((c) => c.rateLimit !== undefined).map((c) => c.group);
  return (scenario.producers ?? []).flatMap((producer, index) =>
    producer.rateLimit !== undefined && limitedGroups.includes(producer.name)
      ? [
          {
            path: ["producers", index, "name"],
            message: `"${producer.name}" is also a consumer group with a rate limit: limiters.${producer.name} would mean both; rename one`,
            candidates: [] as [],
          },
        ]
      : [],
  );
}

/** A bound on one figure: a count or ratio, or "0.1%": a share of the published messages. */
const boundValue = z
  .union([
    z.number().min(0),
    z.string().regex(/^\d+(\.\d+)?%$/, { message: 'expected a number, or a percentage such as "0.1%"' }),
  ])
  .transform((value) =>
    typeof value === "number"
      ? { value, ofPublished: false }
      : { value: Number(value.slice(0, -1)) / 100, ofPublished: true },
  );

const figureBounds = z
  .strictObject({ min: boundValue.optional(), max: boundValue.optional() })
  .refine((bounds) => bounds.min !== undefined || bounds.max !== undefined, { message: "give min, max or both" });

export type FigureBound = z.output<typeof figureBounds>;

const dependencyFigureNames = [
  "calls",
  "succeeded",
  "errors",
  "transientErrors",
  "permanentErrors",
  "timeouts",
  "unknownOutcomes",
  "appliedAfterTimeout",
  "refused",
  "keyDeduplicated",
  "effectsApplied",
  "peakConcurrency",
  "amplification",
] as const;
const retryFigureNames = [
  "processed",
  "retries",
  "gaveUp",
  "deadLettered",
  "parked",
  "dropped",
  "nacked",
  "attemptsPerDelivery",
  "backoffMs",
  "redriven",
  "redrivenConsumed",
  "redrivenDeadLettered",
] as const;
const breakerFigureNames = ["opened", "halfOpened", "closed", "callsRefused", "openMs"] as const;
const limiterFigureNames = ["acquired", "delayed", "delayMs", "meanDelayMs", "maxDelayMs", "maxWaiting"] as const;

/** A strict object rather than a record, so a misspelt figure gets "did you mean" like any field. */
export const boundsOn = <Name extends string>(names: readonly Name[]) =>
  z.strictObject(
    Object.fromEntries(names.map((name) => [name, figureBounds.optional()])) as Record<
      Name,
      z.ZodOptional<typeof figureBounds>
    >,
  );

export const expectPatternsFields = {
  dependencies: z
    .record(z.string(), boundsOn(dependencyFigureNames))
    .optional()
    .meta({ description: "bounds on dependency figures, by dependency: {payments: {amplification: {max: 1.5}}}" }),
  retries: z
    .record(z.string(), boundsOn(retryFigureNames))
    .optional()
    .meta({ description: 'bounds on retry figures, by consumer group: {billing: {deadLettered: {max: "0.1%"}}}' }),
  breakers: z.record(z.string(), boundsOn(breakerFigureNames)).optional().meta({
    description: "bounds on circuit breaker figures, by group/dependency: {billing/payments: {opened: {max: 3}}}",
  }),
  limiters: z.record(z.string(), boundsOn(limiterFigureNames)).optional().meta({
    description: "bounds on rate limit figures, by consumer group or producer: {sender: {maxDelayMs: {max: 500}}}",
  }),
};

/** The names of a group's breakers: group/dependency, or group/instance/dependency for one per instance. */
function breakerNamesOf(consumer: {
  group: string;
  instances?: number;
  breakers?: Record<string, unknown> | undefined;
}): string[] {
  return Object.entries(consumer.breakers ?? {}).flatMap(([dependency, spec]) =>
    (spec as { scope?: string }).scope === "instance"
      ? Array.from({ length: consumer.instances ?? 1 }, (_, i) => `${consumer.group}/${i + 1}/${dependency}`)
      : [`${consumer.group}/${dependency}`],
  );
}

/** Expectations naming a dependency, group or breaker the scenario does not have. */
export function expectPatternProblems(scenario: {
  dependencies?: Record<string, unknown> | undefined;
  consumers: readonly {
    group: string;
    instances?: number;
    steps?: unknown;
    rateLimit?: unknown;
    redrive?: unknown;
    breakers?: Record<string, unknown> | undefined;
  }[];
  producers?: readonly { name: string; rateLimit?: unknown }[];
  expect: {
    dependencies?: object | undefined;
    retries?: object | undefined;
    breakers?: object | undefined;
    limiters?: object | undefined;
  };
}): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const known = {
    dependencies: Object.keys(scenario.dependencies ?? {}),
    retries: scenario.consumers
      .filter((c) => c.steps !== undefined || c.rateLimit !== undefined || c.redrive !== undefined)
      .map((c) => c.group),
    breakers: scenario.consumers.flatMap((c) => breakerNamesOf(c)),
    limiters: [
      ...scenario.consumers.filter((c) => c.rateLimit !== undefined).map((c) => c.group),
      ...(scenario.producers ?? []).filter((p) => p.rateLimit !== undefined).map((p) => p.name),
    ],
  };
  const what = {
    dependencies: "a dependency",
    retries: "a consumer group with steps, a rate limit or a redrive",
    breakers: "a circuit breaker",
    limiters: "a consumer group or producer with a rate limit",
  };
  const problems: { path: (string | number)[]; message: string; candidates: string[] }[] = [];
  for (const section of ["dependencies", "retries", "breakers", "limiters"] as const) {
    for (const name of Object.keys(scenario.expect[section] ?? {})) {
      if (known[section].includes(name)) continue;
      const list = known[section].length === 0 ? "there is none" : `known: ${known[section].join(", ")}`;
      problems.push({
        path: ["expect", section, name],
        message: `"${name}" is not ${what[section]} (${list})`,
        candidates: known[section],
      });
    }
  }
  problems.push(...figuresNotCounted(scenario));
  return problems;
}

const redriveFigureNames: readonly string[] = ["redriven", "redrivenConsumed", "redrivenDeadLettered"];

/** Bounds on figures a named group does not count: redrive figures without `redrive:`, `maxWaiting` of a group. */
function figuresNotCounted(scenario: Parameters<typeof expectPatternProblems>[0]) {
  const problems: { path: (string | number)[]; message: string; candidates: string[] }[] = [];
  const groupNamed = (name: string) => scenario.consumers.find((c) => c.group === name);
  for (const [name, bounds] of Object.entries(scenario.expect.retries ?? {})) {
    const group = groupNamed(name);
    if (group === undefined || group.redrive !== undefined) continue;
    for (const figure of Object.keys(bounds as object).filter((f) => redriveFigureNames.includes(f)))
      problems.push({
        path: ["expect", "retries", name, figure],
        message: `"${figure}" is counted only for a group with redrive: (${name} has none)`,
        candidates: [],
      });
  }
  for (const [name, bounds] of Object.entries(scenario.expect.limiters ?? {})) {
    if (groupNamed(name) === undefined || !("maxWaiting" in (bounds as object))) continue;
    problems.push({
      path: ["expect", "limiters", name, "maxWaiting"],
      message: `"maxWaiting" is a producer's figure (messages its client held for permits); ${name} is a consumer group, whose deliveries wait in their slots: bound maxDelayMs`,
      candidates: [],
    });
  }
  return problems;
}
