// Bytes allocated on the JavaScript heap per simulated event, for every broker profile, on a long run of the
// same M/M/4 workload. What a run allocates is the heap's growth between collections: the used heap size just
// before each collection minus its size just after the previous one (v8.GCProfiler records both), plus what
// is left at the end. Typed arrays' backing stores live outside the heap, so a table growing counts only its
// small wrapper; garbage made per message or per event is what this sees.
import { GCProfiler, getHeapStatistics } from "node:v8";
import { profiles } from "../src/brokers/profiles.js";
import { runScenario } from "../src/pipeline/run-scenario.js";
import { validateScenario } from "../src/scenario/load.js";

export interface AllocationMeasurement {
  profile: string;
  events: number;
  allocatedBytes: number;
  bytesPerEvent: number;
}

/** The benchmark's workload (Poisson 3,600/s, four consumers, exponential 1 ms) on one profile, keyed for Kafka. */
function workload(profile: string, seconds: number): Record<string, unknown> {
  return {
    name: `allocation-${profile}`,
    seed: 1,
    duration: `${seconds}s`,
    broker: profile === "kafka" ? { profile, partitions: 8 } : { profile },
    network: { latency: 0 },
    producers: [{ name: "load", rate: "3600/s", keys: { count: 1000 } }],
    consumers: [{ group: "workers", instances: 4, processing: { dist: "exponential", mean: "1ms" } }],
  };
}

/** Runs `work` and returns the bytes it allocated on the JavaScript heap (collections included). */
export function heapBytesAllocatedBy(work: () => void): number {
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  work();
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const collections = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let usedAfterPrevious = usedBefore;
  for (const collection of collections) {
    allocated += collection.beforeGC.heapStatistics.usedHeapSize - usedAfterPrevious;
    usedAfterPrevious = collection.afterGC.heapStatistics.usedHeapSize;
  }
  return allocated + usedAtEnd - usedAfterPrevious;
}

/** Bytes per event of one profile over `seconds` of simulated time (3,600 messages a second). */
export function measureAllocation(profile: string, seconds: number): AllocationMeasurement {
  const parsed = validateScenario(workload(profile, seconds));
  if (!parsed.ok)
    throw new Error(`the allocation workload is invalid for ${profile}: ${JSON.stringify(parsed.issues)}`);
  let events = 0;
  const allocatedBytes = heapBytesAllocatedBy(() => {
    events = runScenario(parsed.scenario).summary.simulated.events;
  });
  return { profile, events, allocatedBytes, bytesPerEvent: allocatedBytes / events };
}

/** Every profile users can name, in the order the docs list them. */
export const profileNames: readonly string[] = profiles.map((p) => p.name);
