// Proves the delay stage in front of a profile keeps the run's other features whole, as the swarm found they were not: a DLQ redrive still reaches the profile behind it, and a message the stage still holds at the end of the run is pending (not lost) even when its producer heard the stage's confirm.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

describe("the delay stage with other features", () => {
  it("passes a DLQ redrive through to the profile (SQS): the moved messages are redriven, not a crash", () => {
    // Ten orders due at once from 100 ms (notBefore), each failing its one call: all dead-lettered, then moved back at 5 s.
    const scenario = parsed(
      scenarioInput({
        broker: { profile: "sqs" },
        duration: "1050ms",
        drainTimeout: "20s",
        producers: [{ name: "orders", arrival: { process: "constant", rate: "10/s" }, limit: 10, notBefore: "100ms" }],
        dependencies: { payments: { latency: "1ms", errors: { permanent: 1 } } },
        consumers: [
          {
            group: "billing",
            steps: [{ call: "payments" }],
            retry: { onExhausted: "dead-letter" },
            redrive: [{ at: "5s" }],
          },
        ],
      }),
    );
    const { summary } = runScenario(scenario);
    expect(summary.retries!.billing).toMatchObject({ redriven: 10, redrivenDeadLettered: 10 });
    expect(summary.messages).toMatchObject({ published: 10, deadLettered: 10, lost: 0 });
  });

  it("counts a held message whose producer heard its confirm as pending at the end, not lost", () => {
    // One message at 200 ms, held until 5 s; the run ends at 1 s + 1 s drain with the message still held.
    // A producer that tracks confirms (publish.timeout) heard the stage's confirm at 200 ms.
    const scenario = parsed(
      scenarioInput({
        broker: { profile: "sqs" },
        duration: "1s",
        drainTimeout: "1s",
        producers: [
          {
            name: "p",
            arrival: { process: "constant", rate: "5/s" },
            limit: 1,
            notBefore: "5s",
            publish: { timeout: "1s" },
          },
        ],
        consumers: [{ group: "g", processing: "1ms" }],
      }),
    );
    const { summary } = runScenario(scenario);
    expect(summary.messages).toMatchObject({ published: 1, consumed: 0, lost: 0, pending: 1 });
  });
});
