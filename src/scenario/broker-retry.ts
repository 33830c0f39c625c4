import { profileNamed, profiles } from "../brokers/profiles.js";
import type { RetryVia } from "../patterns/spec.js";

interface BrokerRetryFields {
  via: RetryVia;
  scope: "handler" | "call";
  backoff: { type: string; jitter?: string };
}

/** What the broker-delayed retry checks read of a parsed scenario. */
interface BrokerRetryScope {
  broker: { profile: string };
  consumers: readonly { group: string; retry?: BrokerRetryFields | undefined }[];
}

/**
 * `retry: {via: broker}` on a profile with no mechanism for it (see ProfileDefinition.brokerRetry); with
 * `scope: call`, which it cannot honour (the broker delivers the message again, so every step runs again);
 * with decorrelated jitter, whose previous wait nothing carries from one delivery to the next.
 */
export function brokerRetryProblems(scenario: BrokerRetryScope): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const supported = profileNamed(scenario.broker.profile).brokerRetry !== undefined;
  scenario.consumers.forEach((consumer, group) => {
    if (consumer.retry?.via !== "broker") return;
    const at = ["consumers", group, "retry"];
    if (!supported)
      problems.push({
        path: [...at, "via"],
        message: `the ${scenario.broker.profile} profile does not model a broker-delayed retry (group "${consumer.group}"; profiles that do: ${brokerRetryProfiles().join(", ")}): use via: consumer (an in-process retry with backoff) or onExhausted: nack (the broker's immediate redelivery)`,
      });
    else if (consumer.retry.scope === "call")
      problems.push({
        path: [...at, "scope"],
        message: `a retry via the broker delivers the message again and runs every step (group "${consumer.group}"): scope must be handler, found call`,
      });
    else if (consumer.retry.backoff.jitter === "decorrelated")
      problems.push({
        path: [...at, "backoff", "jitter"],
        message: `decorrelated jitter draws from the previous wait, which the broker does not carry with the message (group "${consumer.group}"): use none, full or equal`,
      });
  });
  return problems;
}

function brokerRetryProfiles(): string[] {
  return profiles.filter((profile) => profile.brokerRetry !== undefined).map((profile) => profile.name);
}
