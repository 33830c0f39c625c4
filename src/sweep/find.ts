import type { ParallelOptions } from "../parallel/pool.js";
import { closestMatch } from "../scenario/issues.js";
import { meanInterval } from "../stats/confidence.js";
import { isPatternMetric, METRIC_NAMES } from "../stats/replications.js";
import { runPoints, type SweepPoint } from "./sweep.js";

/** Short names people write for the metrics they size systems by. */
const ALIASES: Record<string, string> = {
  "lag.max": "backpressure.maxLag",
  "depth.max": "backpressure.maxDepth",
  "latency.p99": "latency.endToEnd.p99",
  "latency.mean": "latency.endToEnd.mean",
  throughput: "throughput.consumed",
};

export interface Target {
  metric: string;
  operator: "<" | "<=" | ">" | ">=";
  value: number;
  text: string;
}

export function parseTarget(text: string): Target | string {
  const match = /^\s*([A-Za-z][\w.]*)\s*(<=|>=|<|>)\s*(-?[\d_,.]+)\s*$/.exec(text);
  if (!match) return `--find takes "metric < value", e.g. "lag.max < 10000"; got "${text}"`;
  const metric = ALIASES[match[1]!] ?? match[1]!;
  if (!METRIC_NAMES.includes(metric) && !isPatternMetric(metric)) {
    const suggestion = closestMatch(match[1]!, [...Object.keys(ALIASES), ...METRIC_NAMES]);
    return `"${match[1]}" is not a metric${suggestion ? `; did you mean ${suggestion}?` : ""}`;
  }
  const value = Number(match[3]!.replaceAll(/[_,]/g, ""));
  return { metric, operator: match[2] as Target["operator"], value, text: text.trim() };
}

export interface FindAnswer {
  /** The smallest value meeting the target, or null if even the largest does not. */
  value: number | null;
  observed: number | null;
  /** The largest value below it that fails, when there is one. */
  below: { value: number; observed: number } | null;
  evaluated: number;
  sentence: string;
}

/**
 * Finds the smallest value of one monotone parameter that meets a target, by
 * bisection over its integer range: about log2(range) evaluations instead of
 * one per value. `pointAt` builds the scenario for a parameter value.
 */
export async function findSmallest(options: {
  path: string;
  values: readonly number[];
  target: Target;
  replications: number;
  pointAt: (value: number) => SweepPoint;
  context: string;
  parallel?: ParallelOptions;
}): Promise<FindAnswer> {
  const { values, target } = options;
  const cache = new Map<number, number>();
  const measure = async (value: number): Promise<number> => {
    const known = cache.get(value);
    if (known !== undefined) return known;
    const [result] = await runPoints(
      [options.pointAt(value)],
      options.replications,
      options.parallel ?? { workers: 1 },
    );
    const mean = meanInterval(result!.replications.map((r) => r[target.metric]!)).mean;
    cache.set(value, mean);
    return mean;
  };
  const meets = (observed: number) => compare(observed, target);
  let low = 0;
  let high = values.length - 1;
  if (!meets(await measure(values[high]!))) {
    const observed = await measure(values[high]!);
    const sentence = `No value of ${options.path} up to ${values[high]} meets ${target.text}${options.context} (${values[high]} gives ${format(observed)}).`;
    return { value: null, observed: null, below: { value: values[high]!, observed }, evaluated: cache.size, sentence };
  }
  if (meets(await measure(values[0]!))) {
    const observed = await measure(values[0]!);
    const sentence = `Even ${options.path} = ${values[0]} meets ${target.text}${options.context} (observed ${format(observed)}).`;
    return { value: values[0]!, observed, below: null, evaluated: cache.size, sentence };
  }
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (meets(await measure(values[middle]!))) high = middle;
    else low = middle;
  }
  const value = values[high]!;
  const observed = cache.get(value)!;
  const failing = { value: values[low]!, observed: cache.get(values[low]!)! };
  const sentence =
    `${options.path} = ${value} meets ${target.text}${options.context} (observed ${format(observed)}); ` +
    `${failing.value} does not (observed ${format(failing.observed)}).`;
  return { value, observed, below: failing, evaluated: cache.size, sentence };
}

function compare(observed: number, target: Target): boolean {
  switch (target.operator) {
    case "<":
      return observed < target.value;
    case "<=":
      return observed <= target.value;
    case ">":
      return observed > target.value;
    case ">=":
      return observed >= target.value;
  }
}

function format(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 3 });
}
