import { Fate } from "../../model/messages.js";
import type { Broker, BrokerContext } from "../broker.js";
import { ConsumerClients } from "./clients.js";
import { Coordinator } from "./coordinator.js";
import { Intake } from "./intake.js";
import { TopicLog } from "./log.js";
import { GroupOffsets } from "./offsets.js";
import type { KafkaOptions } from "./settings.js";

/**
 * Apache Kafka (4.0 defaults): one topic of `partitions` partitions on a
 * single broker, read by every scenario consumer group as a Kafka consumer
 * group with its own committed offsets. See docs/brokers/kafka.md.
 *
 * The broker process is the only replica (replication factor 1). While it is
 * down every partition is offline: writes are refused, nothing is fetched and
 * commits fail. Its log lives in the page cache, which a process crash keeps,
 * so every accepted record survives a crash.
 */
export function createKafkaBroker(context: BrokerContext, options: KafkaOptions): Broker {
  return new KafkaBroker(context, options);
}

class KafkaBroker implements Broker {
  private up = true;
  private readonly log: TopicLog;
  private readonly offsets: GroupOffsets;
  private readonly coordinator: Coordinator;
  private readonly clients: ConsumerClients;
  private readonly intake: Intake;

  constructor(
    private readonly context: BrokerContext,
    options: KafkaOptions,
  ) {
    this.log = new TopicLog(options.partitions);
    this.offsets = new GroupOffsets(context, options, this.log);
    this.coordinator = new Coordinator(context, options, this.offsets);
    this.clients = new ConsumerClients(context, options, this.log, this.offsets, this.coordinator);
    this.coordinator.connect(this.clients);
    this.intake = new Intake(
      context,
      options,
      () => this.up,
      (message) => this.append(message),
    );
    this.clients.joinAll();
  }

  publish(message: number): void {
    this.intake.publish(message);
  }

  ack(delivery: number): void {
    this.clients.settle(delivery, false);
  }

  nack(delivery: number): void {
    this.clients.settle(delivery, true);
  }

  consumerDown(consumer: number): void {
    this.clients.consumerDown(consumer);
  }

  consumerStopping(consumer: number): void {
    this.clients.consumerStopping(consumer);
  }

  consumerClosed(consumer: number): void {
    this.clients.consumerClosed(consumer);
  }

  consumerUp(consumer: number): void {
    this.clients.consumerUp(consumer);
  }

  crash(): void {
    this.clients.brokerDown();
    this.coordinator.brokerDown();
    this.up = false;
  }

  restart(): void {
    this.up = true;
    this.coordinator.brokerUp();
    this.clients.brokerUp();
  }

  /**
   * Held for a group: every stored record from the group's committed offset
   * on (it will be returned again if not already), unless retention deleted
   * or dropped it, plus records consumers hold unprocessed.
   */
  forEachHeld(visit: (message: number, group: number) => void): void {
    const { messages, deliveries, consumers } = this.context;
    for (let group = 0; group < this.context.groupCount; group++) {
      const committed = this.offsets.committed[group]!;
      const fate = messages.fate[group]!;
      for (let partition = 0; partition < this.log.partitions; partition++) {
        const end = this.log.end[partition]!;
        for (let offset = Math.max(committed[partition]!, this.log.start[partition]!); offset < end; offset++) {
          const message = this.log.message(partition, offset);
          if (fate[message] !== Fate.dropped && !this.offsets.isExpired(message)) visit(message, group);
        }
      }
    }
    deliveries.forEachOpen((delivery) => {
      visit(deliveries.message(delivery), consumers[deliveries.consumer(delivery)]!.group);
    });
  }

  private append(message: number): void {
    const partition = this.context.messages.partition[message]!;
    this.offsets.expire(partition);
    this.log.append(partition, message);
    this.offsets.appended();
    this.clients.dataArrived(partition);
  }
}
