// Helpers for the RabbitMQ profile tests: run a scenario with an event log, or build a world and watch its deliveries.
import { simulate } from "../../../src/index.js";
import type { DeliveryTable } from "../../../src/model/deliveries.js";
import { NullObserver } from "../../../src/model/observer.js";
import { buildWorld } from "../../../src/run/build.js";
import { EventLog } from "../../helpers/event-log.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

/** A broker section for one of the two profiles, with no service time so timelines stay exact. */
export function rabbit(settings: Record<string, unknown> = {}, profile = "rabbitmq") {
  return { profile, serviceTime: 0, settings };
}

export function quorum(settings: Record<string, unknown> = {}) {
  return rabbit(settings, "rabbitmq-quorum");
}

/** Runs a scenario (defaults from the shared helper, a long drain) and logs every event. */
export function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(parsed(scenarioInput({ drainTimeout: "10min", ...overrides })), { observers: [log] });
  return { result, log };
}

/** Counts, at each delivery, the deliveries its consumer holds unacked at the broker. */
export class OpenDeliveryWatch extends NullObserver {
  deliveries: DeliveryTable | null = null;
  /** Per consumer: the most unacked deliveries seen at once. */
  readonly most: number[] = [];

  override delivered(_message: number, _group: number, consumer: number): void {
    let open = 0;
    this.deliveries!.forEachOpen((delivery) => {
      if (this.deliveries!.consumer(delivery) === consumer) open++;
    });
    this.most[consumer] = Math.max(this.most[consumer] ?? 0, open);
  }
}

/** Builds the world with the watch attached and runs it to the end (no faults). */
export function watchOpenDeliveries(overrides: Record<string, unknown>): OpenDeliveryWatch {
  const watch = new OpenDeliveryWatch();
  const scenario = parsed(scenarioInput(overrides));
  const world = buildWorld(scenario, [watch]);
  watch.deliveries = world.deliveries;
  for (const producer of world.producers) producer.start();
  world.sim.run({ untilTime: scenario.duration + scenario.drainTimeout, maxEvents: 10_000_000 });
  return watch;
}
