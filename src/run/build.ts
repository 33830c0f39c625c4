import type { Broker, BrokerContext, ConsumerSlot } from "../brokers/broker.js";
import { createBroker } from "../brokers/registry.js";
import { Simulation } from "../engine/simulation.js";
import { MetricsRecorder } from "../metrics/recorder.js";
import { Consumer } from "../model/consumer.js";
import { DeliveryTable } from "../model/deliveries.js";
import { MessageTable, PublishOutcome } from "../model/messages.js";
import { Link } from "../model/network.js";
import { ObserverFanout, type RunObserver } from "../model/observer.js";
import { Producer } from "../model/producer.js";
import { PublisherGate } from "../model/publisher-gate.js";
import { ArrivalProcess } from "../random/arrivals.js";
import { type Distribution, isAlwaysZero, type Sampler, samplerFor } from "../random/distributions.js";
import { keyPickerFor } from "../random/keys.js";
import { RandomStreams } from "../random/streams.js";
import { arrivalSchedule } from "../scenario/arrival-schedule.js";
import { keyChoice, type ParsedScenario } from "../scenario/schema.js";

/** Everything one run is made of, wired together and ready to start. */
export interface World {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  metrics: MetricsRecorder;
  broker: Broker;
  producers: Producer[];
  consumers: Consumer[];
  groupNames: string[];
}

/**
 * Expands the scenario into components. Every random draw comes from a stream
 * named after its component and purpose (`producer:checkout#1:arrivals`), so
 * adding a component leaves every other component's draws unchanged.
 */
export function buildWorld(scenario: ParsedScenario, extraObservers: readonly RunObserver[] = []): World {
  const sim = new Simulation();
  const streams = new RandomStreams(scenario.seed);
  const groupNames = scenario.consumers.map((c) => c.group);
  const messages = new MessageTable(groupNames.length);
  const deliveries = new DeliveryTable();
  const metrics = new MetricsRecorder(messages);
  const observer: RunObserver =
    extraObservers.length === 0 ? metrics : new ObserverFanout([metrics, ...extraObservers]);
  const gate = new PublisherGate(observer, sim);
  const sampler = (distribution: Distribution, stream: string): Sampler =>
    samplerFor(distribution, streams.stream(stream));
  const link = (name: string): Link =>
    new Link(sim, isAlwaysZero(scenario.network.latency) ? null : sampler(scenario.network.latency, `link:${name}`));

  const consumers: Consumer[] = [];
  const slots: ConsumerSlot[] = [];
  const toConsumer: Link[] = [];
  const context: BrokerContext = {
    sim,
    messages,
    deliveries,
    observer,
    gate,
    groupCount: groupNames.length,
    consumers: slots,
    accept(message) {
      messages.acceptedAt[message] = sim.now;
      messages.outcome[message] = PublishOutcome.accepted;
      observer.accepted(message, sim.now);
    },
    reject(message) {
      messages.outcome[message] = PublishOutcome.rejected;
      observer.rejected(message, sim.now);
    },
    deliver(message, consumer) {
      const delivery = deliveries.open(message, consumer, sim.now);
      observer.delivered(message, slots[consumer]!.group, consumer, sim.now - messages.acceptedAt[message]!, sim.now);
      toConsumer[consumer]!.send(consumers[consumer]!.receive, delivery);
    },
  };

  scenario.consumers.forEach((spec, group) => {
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.group}/${instance}`;
      const index = consumers.length;
      slots.push({ index, group, capacity: prefetchOf(scenario.broker) ?? spec.concurrency });
      toConsumer.push(link(`broker->consumer:${name}`));
      consumers.push(
        new Consumer(
          {
            index,
            group,
            name,
            concurrency: spec.concurrency,
            processing: sampler(spec.processing, `consumer:${name}:processing`),
          },
          {
            sim,
            messages,
            deliveries,
            observer,
            toBroker: link(`consumer:${name}->broker`),
            ackHandler: (d) => broker.ack(d),
          },
        ),
      );
    }
  });

  const broker = createBroker(scenario.broker, context);
  const publishHandler = brokerIngress(sim, broker, gate, scenario.broker.serviceTime, streams);
  const producers: Producer[] = [];
  for (const spec of scenario.producers) {
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.name}#${instance}`;
      producers.push(
        new Producer(
          {
            index: producers.length,
            name,
            arrivals: new ArrivalProcess(arrivalSchedule(spec), streams.stream(`producer:${name}:arrivals`)),
            pickKey: keyPickerFor(keyChoice(spec.keys), streams.stream(`producer:${name}:keys`)),
            sampleSize: sampler(spec.size, `producer:${name}:size`),
            stopAt: scenario.duration,
            limit: spec.limit ?? Number.POSITIVE_INFINITY,
          },
          { sim, messages, observer, gate, toBroker: link(`producer:${name}->broker`), publishHandler },
        ),
      );
    }
  }
  return { sim, messages, deliveries, metrics, broker, producers, consumers, groupNames };
}

/** The per-consumer limit on unacked deliveries the profile sets, if any. */
function prefetchOf(broker: ParsedScenario["broker"]): number | null {
  return broker.settings.prefetch;
}

/**
 * The broker's intake: with a service time, publishes are handled one at a
 * time in arrival order (a single broker thread), so a busy broker delays them.
 */
function brokerIngress(
  sim: Simulation,
  broker: Broker,
  gate: PublisherGate,
  serviceTime: Distribution,
  streams: RandomStreams,
) {
  const publish = (message: number): void => {
    gate.inTransit--;
    broker.publish(message);
  };
  if (isAlwaysZero(serviceTime)) return publish;
  const sample = samplerFor(serviceTime, streams.stream("broker:service"));
  let busyUntil = 0;
  return (message: number): void => {
    busyUntil = Math.max(sim.now, busyUntil) + Math.round(sample());
    sim.at(busyUntil, publish, message);
  };
}
