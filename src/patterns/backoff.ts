import type { Rng } from "../random/streams.js";
import type { Backoff } from "./spec.js";

/**
 * The delay before retry number `retry` (1 for the first retry), in whole
 * microseconds. The formulas are those of AWS's "Exponential Backoff and
 * Jitter" analysis (Marc Brooker), which the AWS SDKs' retry strategies use:
 *
 *   exponential:  d = min(cap, base · multiplier^(retry-1))      (fixed: d = delay)
 *   none:         sleep = d
 *   full:         sleep = uniform(0, d)
 *   equal:        sleep = d/2 + uniform(0, d/2)
 *   decorrelated: sleep = min(cap, uniform(base, 3 · previous sleep)), the first previous sleep being base
 *
 * `previous` is the last sleep of this message's retries (for decorrelated
 * jitter); each draw takes exactly one number from `rng`, and none is taken
 * with jitter off, so turning jitter on or off leaves other streams alone.
 */
export function backoffDelay(backoff: Backoff, retry: number, previous: number, rng: Rng): number {
  if (backoff.type === "none") return 0;
  const ceiling = backoff.type === "fixed" ? backoff.delay : backoff.cap;
  const base = backoff.type === "fixed" ? backoff.delay : backoff.base;
  const planned =
    backoff.type === "fixed" ? backoff.delay : Math.min(backoff.cap, backoff.base * backoff.multiplier ** (retry - 1));
  switch (backoff.jitter) {
    case "none":
      return Math.round(planned);
    case "full":
      return Math.round(rng() * planned);
    case "equal":
      return Math.round(planned / 2 + (rng() * planned) / 2);
    case "decorrelated": {
      const upper = Math.max(base, 3 * (retry === 1 ? base : previous));
      return Math.round(Math.min(ceiling, base + rng() * (upper - base)));
    }
  }
}
