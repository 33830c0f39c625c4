import type { Broker } from "../brokers/broker.js";
import { DelayedIntake } from "../brokers/delays.js";
import { profileNamed } from "../brokers/profiles.js";
import type { Simulation } from "../engine/simulation.js";
import type { Bookkeeper } from "../model/bookkeeper.js";
import type { MessageTable } from "../model/messages.js";
import { emptyScheduleFigures, type ScheduleFigures, TickClock, TickLedger } from "../model/recurring.js";
import type { Sampler } from "../random/distributions.js";
import type { ParsedScenario } from "../scenario/schema.js";

/**
 * Builds what producers' `delay`, `notBefore` and `schedule` need: the
 * broker's delay stage in front of the profile, and each recurring producer's
 * ticks. A scenario that declares none of them gets the profile's broker
 * itself, and every producer its arrival process: nothing changes for it.
 */

type ProducerSpec = ParsedScenario["producers"][number];

interface DelayWiring {
  scenario: ParsedScenario;
  sim: Simulation;
  messages: MessageTable;
  sampler(distribution: NonNullable<ProducerSpec["delay"]>, stream: string): Sampler;
}

/** Whether any producer asks the broker to hold its messages back. */
export function declaresDelays(scenario: ParsedScenario): boolean {
  return scenario.producers.some((p) => p.delay !== undefined || p.notBefore !== undefined);
}

/** The profile's broker, behind its delay stage when a producer declares a delay. */
export function brokerWithDelays(wiring: DelayWiring, bookkeeper: Bookkeeper): Broker {
  const { scenario, sim, messages } = wiring;
  const profile = profileNamed(scenario.broker.profile);
  if (!declaresDelays(scenario)) return profile.create(bookkeeper, scenario.broker);
  const facts = profile.facts.delay;
  if (facts.mechanism === "none") throw new Error("invariant: a delay on a profile without one passed validation");
  const queueLevel = profile.defaultDelay?.(scenario.broker) ?? { delay: 0, rest: scenario.broker };
  const inner = profile.create(bookkeeper, queueLevel.rest);
  // One entry per producer instance, in the order producers are built (their message index), with its own stream.
  const perInstance = scenario.producers.flatMap((spec, lane) =>
    Array.from({ length: spec.instances }, (_, i) => {
      const name = `${spec.name}#${i + 1}`;
      const draw =
        spec.delay === undefined ? () => queueLevel.delay : wiring.sampler(spec.delay, `producer:${name}:delay`);
      return { lane, draw, notBefore: spec.notBefore ?? 0 };
    }),
  );
  return new DelayedIntake(inner, {
    sim,
    mechanism: facts.mechanism,
    groupCount: scenario.consumers.length,
    addressedTo: (message, group) => messages.addressedTo(message, group),
    dueOf: (message) => {
      const entry = perInstance[messages.producer[messages.slot(message)]!]!;
      return { due: Math.max(sim.now + Math.round(entry.draw()), entry.notBefore), lane: entry.lane };
    },
    confirm: (message) => bookkeeper.confirmHeld(message),
  });
}

/** A recurring producer's figures, shared by its instances, by producer name. */
export type Schedules = Map<string, ScheduleFigures>;

/** A recurring producer instance's ticks and ledger; null for a producer with a rate or arrival schedule. */
export function ticksOf(spec: ProducerSpec, schedules: Schedules): { clock: TickClock; ledger: TickLedger } | null {
  const schedule = spec.schedule;
  if (schedule === undefined) return null;
  let figures = schedules.get(spec.name);
  if (figures === undefined) {
    figures = emptyScheduleFigures();
    schedules.set(spec.name, figures);
  }
  const tick =
    schedule.every !== undefined
      ? { every: schedule.every, missed: schedule.missed }
      : { cron: schedule.cron!, missed: schedule.missed };
  return { clock: new TickClock(tick), ledger: new TickLedger(schedule.missed, figures) };
}
