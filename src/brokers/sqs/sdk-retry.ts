import type { Rng } from "../../random/streams.js";

/** The AWS SDK's standard retry mode: base delay for throttling errors, and the cap on any delay. */
const THROTTLING_DELAY_BASE = 500_000;
const MAXIMUM_DELAY = 20_000_000;
const MILLISECOND = 1_000;

/**
 * What the AWS SDK does with a throttled call in its standard retry mode (AWS
 * SDKs and Tools Reference Guide, "Retry behavior": three attempts by default,
 * exponential backoff with jitter). The delays are those of the JavaScript SDK
 * v3 (smithy-typescript `util-retry`, StandardRetryStrategy): before retry k
 * (k = 0, 1, ...) it waits min(20 s, U x 500 ms x 2^k) with U uniform in [0, 1),
 * in whole milliseconds. The retry quota (a token bucket of 500 that each retry
 * draws 5 from) is not modelled: it only bites after about 100 retries that no
 * success refills.
 */
export class SdkRetry {
  constructor(
    readonly maxAttempts: number,
    private readonly rng: Rng,
  ) {}

  /** After attempt number `attempt` (1-based) was throttled: microseconds until the next, or -1 if the SDK gives up. */
  delayAfter(attempt: number): number {
    if (attempt >= this.maxAttempts) return -1;
    const delay = Math.min(MAXIMUM_DELAY, this.rng() * THROTTLING_DELAY_BASE * 2 ** (attempt - 1));
    return Math.floor(delay / MILLISECOND) * MILLISECOND;
  }
}
