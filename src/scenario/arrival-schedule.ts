import type { ArrivalSchedule, RatePhase } from "../random/arrivals.js";
import type { ParsedScenario } from "./schema.js";

type ProducerSpec = ParsedScenario["producers"][number];

const PER_SECOND_TO_PER_MICRO = 1e-6;

/** A producer's `rate` or `arrival` as the rate schedule the arrival process runs. */
export function arrivalSchedule(producer: ProducerSpec): ArrivalSchedule {
  const arrival = producer.arrival ?? {
    process: "poisson" as const,
    rate: producer.rate,
    phases: undefined,
    repeat: false,
  };
  if (arrival.phases === undefined) {
    const rate = (arrival.rate ?? 0) * PER_SECOND_TO_PER_MICRO;
    return {
      process: arrival.process,
      phases: [{ duration: Number.POSITIVE_INFINITY, fromRate: rate, toRate: rate }],
      repeat: false,
    };
  }
  const phases = arrival.phases.map(
    (phase): RatePhase => ({
      duration: phase.for,
      fromRate: (phase.rate ?? phase.from ?? 0) * PER_SECOND_TO_PER_MICRO,
      toRate: (phase.rate ?? phase.to ?? 0) * PER_SECOND_TO_PER_MICRO,
    }),
  );
  return { process: arrival.process, phases, repeat: arrival.repeat };
}
