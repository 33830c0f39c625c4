// Proves no broker profile allocates per event on its hot path: on a long run of the M/M/4 workload each allocates
// under 32 bytes of JavaScript heap per event, building and summarizing the run included (measured: under 16 after
// the allocation diet, Kafka 190 and Redis pub/sub 45 before it; one closure or small array per message, 32 to 64
// bytes over 2 to 3 events, would come near the bound, and the Map churn Kafka had far exceeds it).
import { describe, expect, it } from "vitest";
import { heapBytesAllocatedBy, measureAllocation, profileNames } from "../../bench/allocation.js";

/** Twice the most any profile measured, so that code warming up or a collection's timing cannot fail it. */
const BOUND_BYTES_PER_EVENT = 32;

describe("bytes allocated per event", () => {
  it("counts what a piece of work allocates (a million 3-field objects: at least 16 MB)", () => {
    let kept: unknown = null;
    const bytes = heapBytesAllocatedBy(() => {
      for (let i = 0; i < 1_000_000; i++) kept = { i, twice: i * 2, label: "x" };
    });
    expect(kept).not.toBeNull();
    expect(bytes).toBeGreaterThan(16_000_000);
  });

  it.each(profileNames)("profile %s stays under the bound on a 60 s run", (profile) => {
    measureAllocation(profile, 5); // compiling the code allocates too: warm it up first
    const { events, bytesPerEvent } = measureAllocation(profile, 60);
    expect(events).toBeGreaterThan(400_000);
    expect(bytesPerEvent).toBeLessThan(BOUND_BYTES_PER_EVENT);
  });
});
