import * as z from "zod";
import { duration } from "../units/quantities.js";
import { boundsOn } from "./patterns.js";

/**
 * `request:` on a producer makes it a requester (docs/patterns.md#request-reply): each message it creates
 * is a request that a responder group answers, through a reply queue, while the requester waits with a
 * client timeout and resends the same request (same business and correlation id) when the timeout fires.
 */
export const requestSchema = z.strictObject({
  to: z.string().min(1).meta({ description: "the consumer group that answers the requests (the responder)" }),
  timeout: duration()
    .refine((micros) => micros > 0, { message: "a request timeout must be longer than 0" })
    .meta({ description: "how long the requester waits for the reply after each send before resending or giving up" }),
  retries: z.number().int().min(0).default(0).meta({ description: "resends after a timeout before giving up" }),
  backoff: duration().prefault("0ms").meta({ description: "wait between a timeout and the resend" }),
  maxOutstanding: z.number().int().min(1).nullable().default(null).meta({
    description:
      "most requests one requester instance has in flight (sent, not answered or given up); a new request waits for a free slot. null: no bound",
  }),
  replyQueue: z.enum(["exclusive", "shared", "direct"]).default("exclusive").meta({
    description:
      "exclusive: a queue per requester connection, gone when it crashes; shared: one durable queue filtered by correlation id, which survives a requester crash; direct: RabbitMQ direct reply-to, no queue: a reply to a closed channel is dropped",
  }),
});

export type RequestSpec = z.output<typeof requestSchema>;

export const requestFigureNames = [
  "sent",
  "repliedInTime",
  "timedOut",
  "retried",
  "lateReplies",
  "repliesDropped",
  "failedAfterRetries",
  "abandonedByCrash",
  "duplicateExecutions",
  "duplicatesAbsorbed",
  "waitedForSlot",
  "outstandingPeak",
  "latencyMsP50",
  "latencyMsP99",
  "latencyMsMax",
] as const;

export const expectRequestsField = {
  requests: z.record(z.string(), boundsOn(requestFigureNames)).optional().meta({
    description: "bounds on a requester's figures, by producer: {checkout: {failedAfterRetries: {max: 0}}}",
  }),
};

interface RequestingScenario {
  producers: readonly {
    name: string;
    request?: RequestSpec | undefined;
    writes?: unknown;
    batch?: unknown;
  }[];
  consumers: readonly { group: string }[];
  broker: { profile: string; settings?: unknown };
  expect: { requests?: object | undefined };
}

/** Whether the kafka profile's idempotent producer is on: its defaults, enable.idempotence true and acks all. */
function resendsAbsorbedByKafka(broker: RequestingScenario["broker"]): boolean {
  if (broker.profile !== "kafka") return false;
  const settings = (broker.settings ?? {}) as Record<string, unknown>;
  const acks = String(settings.acks ?? "all");
  return settings["enable.idempotence"] !== false && (acks === "all" || acks === "-1");
}

/**
 * A responder group that does not exist, request beside writes or batch (the requester decides when a
 * request goes out), kafka's idempotent producer (it would drop resends), and expect.requests naming a
 * producer that sends no requests.
 */
export function requestProblems(
  scenario: RequestingScenario,
): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const problems: { path: (string | number)[]; message: string; candidates: string[] }[] = [];
  const groups = scenario.consumers.map((c) => c.group);
  scenario.producers.forEach((producer, index) => {
    const request = producer.request;
    if (request === undefined) return;
    if (!groups.includes(request.to))
      problems.push({
        path: ["producers", index, "request", "to"],
        message: `"${request.to}" is not a consumer group (groups: ${groups.join(", ")}); request.to names the responder group`,
        candidates: groups,
      });
    if (resendsAbsorbedByKafka(scenario.broker))
      problems.push({
        path: ["producers", index, "request"],
        message:
          "request on kafka with its idempotent producer (enable.idempotence true, acks all): the simulated producer would take a resent request for its own retry and drop it, where a real application's resend is a new record; set enable.idempotence: false to model requests on kafka",
        candidates: [],
      });
    for (const field of ["writes", "batch"] as const)
      if (producer[field] !== undefined)
        problems.push({
          path: ["producers", index, field],
          message: `${field} beside request is not modelled: a requester sends each request itself and waits for its reply; remove ${field}`,
          candidates: [],
        });
  });
  const known = scenario.producers.filter((p) => p.request !== undefined).map((p) => p.name);
  for (const name of Object.keys(scenario.expect.requests ?? {})) {
    if (known.includes(name)) continue;
    const list = known.length === 0 ? "there is none" : `known: ${known.join(", ")}`;
    problems.push({
      path: ["expect", "requests", name],
      message: `"${name}" is not a producer with request (${list})`,
      candidates: known,
    });
  }
  return problems;
}
