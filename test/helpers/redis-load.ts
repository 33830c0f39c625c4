import type { ParsedScenario } from "../../src/index.js";
import { parsed, scenarioInput } from "./scenario.js";

/** What the Redis and BullMQ retirement tests draw of a load (test/run/retirement-redis*.test.ts). */
export interface RedisLoad {
  seed: number;
  profile: string;
  latencyUs: number;
  rate: number;
  groups: number;
  instances: number;
  concurrency: number;
  meanMs: number;
}

/**
 * A generated Redis or BullMQ run: `groups` groups g0, g1, ... of exponential consumers behind one producer
 * (BullMQ's with two priorities), lasting `duration` with the given drain, broker settings and faults.
 */
export function redisLoadScenario(
  run: RedisLoad,
  shape: {
    duration: string;
    drainTimeout: string;
    settings: Record<string, unknown>;
    faults: (groups: string[]) => unknown[];
  },
): ParsedScenario {
  const groups = Array.from({ length: run.groups }, (_, k) => `g${k}`);
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: shape.duration,
      drainTimeout: shape.drainTimeout,
      broker: { profile: run.profile, settings: shape.settings },
      network: { latency: `${run.latencyUs}us` },
      producers: [
        {
          name: "load",
          rate: `${run.rate}/s`,
          ...(run.profile === "bullmq" ? { priority: { weights: { 0: 80, 9: 20 } } } : {}),
        },
      ],
      consumers: groups.map((group) => ({
        group,
        instances: run.instances,
        concurrency: run.concurrency,
        processing: { dist: "exponential", mean: `${run.meanMs}ms` },
      })),
      faults: shape.faults(groups),
    }),
  );
}
