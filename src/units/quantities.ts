import * as z from "zod";
import type { Distribution } from "../random/distributions.js";
import { meanOf, Z99 } from "../random/distributions.js";
import { builtOnce } from "./built-once.js";
import {
  durationExpected,
  MAX_DURATION_US,
  MAX_SIZE_BYTES,
  type Parsed,
  parseDuration,
  parseRate,
  parseSize,
  rateExpected,
  sizeExpected,
} from "./units.js";

/**
 * Zod types for quantities with units and for distributions over them.
 * Each parses the user's text into base units (microseconds, bytes, per second)
 * and reports "expected …, found …" in the user's own terms.
 */
interface Quantity {
  parse: (input: unknown) => Parsed;
  expected: string;
  /** How the JSON Schema describes accepted input (for editors). */
  jsonSchema: Record<string, unknown>;
  /** Display unit for lognormal mu/sigma, in base units (1 ms = 1000 us). */
  logUnit: number;
  logUnitName: string;
  /** Largest value of this kind, and how it is shown; a distribution's mean may not exceed it either. */
  max: number;
  maxText: string;
  baseUnitName: string;
}

const NUMBER_PATTERN = String.raw`\s*(\d+(\.\d+)?([eE][+-]?\d+)?|\.\d+)\s*`;

export const durationQuantity: Quantity = {
  parse: parseDuration,
  expected: durationExpected,
  jsonSchema: { anyOf: [{ type: "string", pattern: `^${NUMBER_PATTERN}(us|µs|ms|s|m|min|h)\\s*$` }, { const: 0 }] },
  logUnit: 1000,
  logUnitName: "milliseconds",
  max: MAX_DURATION_US,
  maxText: "87600h (10 years)",
  baseUnitName: "us",
};

export const sizeQuantity: Quantity = {
  parse: parseSize,
  expected: sizeExpected,
  jsonSchema: {
    anyOf: [
      { type: "string", pattern: `^${NUMBER_PATTERN}(B|KB|MB|GB|KiB|MiB|GiB)\\s*$` },
      { type: "integer", minimum: 0 },
    ],
  },
  logUnit: 1,
  logUnitName: "bytes",
  max: MAX_SIZE_BYTES,
  maxText: "1000000GB (1 PB)",
  baseUnitName: "B",
};

function quantity(kind: Quantity) {
  return z
    .unknown()
    .transform((input, ctx) => {
      const parsed = kind.parse(input);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: "custom", message: parsed.expected, input, params: { expected: parsed.expected } });
      return z.NEVER;
    })
    .meta({ ...kind.jsonSchema, description: kind.expected });
}

/**
 * One schema per kind, made on first use and shared by every field of that kind: zod's methods (optional,
 * default, meta, refine) return new schemas and leave this one as it is, and a schema costs some
 * microseconds to make, which every field paid at start-up (about 60 duration fields, each made afresh).
 */
const durationSchema = builtOnce(() => quantity(durationQuantity));
const sizeSchema = builtOnce(() => quantity(sizeQuantity));
export const duration = () => durationSchema();
export const size = () => sizeSchema();

export const rate = () =>
  z
    .unknown()
    .transform((input, ctx) => {
      const parsed = parseRate(input);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: "custom", message: parsed.expected, input, params: { expected: parsed.expected } });
      return z.NEVER;
    })
    .meta({ type: "string", pattern: `^${NUMBER_PATTERN}/\\s*(s|sec|ms|m|min|h)\\s*$`, description: rateExpected });

/**
 * A distribution of a quantity: either a bare value (constant) or an object
 * with `dist`. Lognormal takes whichever pair of parameters the user knows.
 */
export function distributionOf(kind: Quantity) {
  const value = quantity(kind);
  const lognormal = z
    .strictObject({
      dist: z.literal("lognormal"),
      median: value.optional(),
      mean: value.optional(),
      p99: value.optional(),
      mu: z
        .number()
        .optional()
        .meta({ description: `mean of ln(value in ${kind.logUnitName})` }),
      sigma: z.number().positive().optional().meta({ description: "standard deviation of ln(value)" }),
    })
    .transform((spec, ctx): Distribution => {
      const result = lognormalParameters(spec, kind.logUnit);
      if (typeof result === "string") {
        ctx.addIssue({ code: "custom", message: result, input: spec });
        return z.NEVER;
      }
      return result;
    });
  const object = z.discriminatedUnion("dist", [
    z.strictObject({ dist: z.literal("constant"), value }),
    z
      .strictObject({ dist: z.literal("uniform"), min: value, max: value })
      .refine((d) => d.max >= d.min, { message: "max must be at least min", path: ["max"] }),
    z.strictObject({ dist: z.literal("exponential"), mean: value }),
    z.strictObject({ dist: z.literal("normal"), mean: value, stddev: value }),
    lognormal,
    z.strictObject({
      dist: z.literal("pareto"),
      scale: value,
      shape: z.number().gt(1).meta({ description: "tail index alpha, above 1 so that the mean is finite" }),
    }),
    z.strictObject({ dist: z.literal("empirical"), values: z.array(value).min(1) }),
  ]);
  return z
    .union([object, value.transform((v): Distribution => ({ dist: "constant", value: v }))])
    .superRefine((distribution, ctx) => {
      // A bounded mean keeps every draw finite: a lognormal's draws stay below mean x e^(z²/2) for the
      // largest z Box-Muller yields (~8.6), a pareto's (shape > 1) below scale x 2^53.
      const mean = meanOf(distribution);
      // A pareto shape of 1 or less is reported on its own field: its mean is infinite by definition.
      if (mean <= kind.max || (distribution.dist === "pareto" && !(distribution.shape > 1))) return;
      ctx.addIssue({
        code: "custom",
        message: `this distribution's mean is ${Number.isFinite(mean) ? `${mean.toPrecision(3)}${kind.baseUnitName}` : "infinite"}, above the limit of ${kind.maxText}; make its tail lighter`,
        input: distribution,
      });
    });
}

type LognormalInput = { [K in "median" | "mean" | "p99" | "mu" | "sigma"]?: number | undefined };

function lognormalParameters(spec: LognormalInput, logUnit: number): Distribution | string {
  const { median, mean, p99, mu, sigma } = spec;
  if (mu !== undefined && sigma !== undefined) {
    return { dist: "lognormal", mu: mu + Math.log(logUnit), sigma };
  }
  if (p99 !== undefined && median !== undefined) {
    if (!(p99 > median && median > 0)) return "p99 must be greater than the median, and the median above zero";
    return { dist: "lognormal", mu: Math.log(median), sigma: Math.log(p99 / median) / Z99 };
  }
  if (p99 !== undefined && mean !== undefined) {
    // mean = e^(mu + sigma²/2) and p99 = e^(mu + z·sigma) give sigma²/2 − z·sigma + ln(p99/mean) = 0.
    const gap = Math.log(p99 / mean);
    if (!(p99 > mean && mean > 0) || Z99 ** 2 < 2 * gap) {
      return "a lognormal needs mean < p99 <= 14.97 x mean; give median and p99 for a heavier tail";
    }
    const s = Z99 - Math.sqrt(Z99 ** 2 - 2 * gap);
    return { dist: "lognormal", mu: Math.log(mean) - (s * s) / 2, sigma: s };
  }
  return "a lognormal needs median and p99, mean and p99, or mu and sigma";
}

/** Shared like `duration` above: a distribution is some thirty zod schemas, made once per kind. */
const durationDistributionSchema = builtOnce(() => distributionOf(durationQuantity));
const sizeDistributionSchema = builtOnce(() => distributionOf(sizeQuantity));
export const durationDistribution = () => durationDistributionSchema();
export const sizeDistribution = () => sizeDistributionSchema();
