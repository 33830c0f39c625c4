import type { GiveUp } from "../model/processing.js";
import type { Distribution } from "../random/distributions.js";

/**
 * The application patterns as the scenario states them, normalized (base
 * units, every default filled): what src/scenario's schema produces and this
 * folder builds from. Kept here, below the scenario layer, so the model of
 * the patterns never reaches up for a type.
 */

/** A downstream service consumers call while processing (a payments API, an email sender). */
export interface DependencySpec {
  /** How long the service takes to answer a call it serves (µs). */
  latency: Distribution;
  /** Calls it serves at once; null: no limit. */
  concurrency: number | null;
  /** Beyond `concurrency`: wait in line (a connection pool's queue), or be refused at once (HTTP 429/503). */
  overflow: "queue" | "refuse";
  /** Fractions of served calls that fail: transient (a 503, worth retrying) and permanent (a 400, never). */
  errors: { transient: number; permanent: number };
  /** The client gives up waiting after this long (µs); null: it waits for the answer however long. */
  timeout: number | null;
  /** For a call whose client timed out: the probability the service applied its side effect anyway. */
  appliedOnTimeout: number;
}

/** Why a call (or a whole attempt) failed, as retry policies name what they retry. */
export type FailureKind = "transient" | "permanent" | "timeout" | "refused" | "breaker-open";

export const failureKinds: readonly FailureKind[] = ["transient", "permanent", "timeout", "refused", "breaker-open"];

/** One step of a consumer's processing: local work, or a call to a named dependency. */
export type Step =
  | { work: Distribution }
  | {
      call: string;
      /** This call is the one that applies the message's side effect (charges the card). */
      sideEffect: boolean;
      /** The message id goes with the call as an idempotency key: the service applies an effect once per key. */
      idempotencyKey: boolean;
    };

/** The delay before each retry (µs); `jitter` randomizes it as in AWS's "Exponential Backoff and Jitter". */
export type Backoff =
  | { type: "none" }
  | { type: "fixed"; delay: number; jitter: Jitter }
  | { type: "exponential"; base: number; multiplier: number; cap: number; jitter: Jitter };

export type Jitter = "none" | "full" | "equal" | "decorrelated";

/** A consumer group's in-process retry policy. */
export interface RetryPolicy {
  /** Attempts in all, the first included; null: no limit. */
  maxAttempts: number | null;
  backoff: Backoff;
  /** Failures worth another attempt; the others give up at once. */
  retryOn: readonly FailureKind[];
  /** `handler`: each attempt runs every step again (Spring Kafka's DefaultErrorHandler); `call`: only the failed call (Resilience4j Retry, Polly). */
  scope: "handler" | "call";
  /** What happens to the message after the last attempt, or a failure not worth retrying. */
  onExhausted: GiveUp;
  /**
   * Who holds the message between attempts: `consumer` (absent: the same) keeps the delivery and waits in
   * process; `broker` hands it back to the broker, visible again after the backoff delay (SQS
   * ChangeMessageVisibility), its attempt number being the broker's receive count.
   */
  via?: RetryVia;
}

export type RetryVia = "consumer" | "broker";

/** What a consumer group declares about its processing: its steps and its retry policy. */
export interface ProcessingSpec {
  steps: readonly Step[];
  retry: RetryPolicy;
}

/** No retries: one attempt, then the message goes back to the broker (today's behaviour for a failure). */
export const noRetries: RetryPolicy = {
  maxAttempts: 1,
  backoff: { type: "none" },
  retryOn: [],
  scope: "handler",
  onExhausted: "nack",
};
