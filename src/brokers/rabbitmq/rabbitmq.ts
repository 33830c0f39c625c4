import type { Broker, BrokerContext } from "../broker.js";
import { ConsumerTimeout } from "./consumer-timeout.js";
import { ConsumerCredits } from "./credits.js";
import { Exchange } from "./exchange.js";
import { EnqueueOrder } from "./group-queue.js";
import { HeadExpiry } from "./head-expiry.js";
import { MemoryAlarm } from "./memory-alarm.js";
import { createReadyQueue, type ReadyQueue } from "./ready-queue.js";
import type { RabbitOptions } from "./settings.js";

/**
 * RabbitMQ (AMQP 0-9-1): an exchange (fanout, direct or topic) routes every
 * publish to the queues of the consumer groups bound for its routing key (one
 * queue per group), and each queue pushes to its group's consumers
 * round-robin within their prefetch credit. Unacked deliveries go back to the
 * queue when their channel closes: after the heartbeat timeout for a crashed
 * consumer, after consumer_timeout for a stuck one. Classic and quorum queues
 * differ only in the options (where returns go, the delivery limit,
 * durability); docs/brokers/rabbitmq.md gives the rules and their sources.
 */
export function createRabbitBroker(context: BrokerContext, options: RabbitOptions): Broker {
  return new RabbitBroker(context, options);
}

class RabbitBroker implements Broker {
  private readonly order = new EnqueueOrder();
  private readonly exchange: Exchange;
  private readonly queues: ReadyQueue[];
  private readonly credits: ConsumerCredits;
  private readonly memory: MemoryAlarm;
  private readonly timeout: ConsumerTimeout | null;
  private readonly expiry: HeadExpiry | null;
  private up = true;

  constructor(
    private readonly context: BrokerContext,
    private readonly options: RabbitOptions,
  ) {
    const groups = context.groupCount;
    this.exchange = new Exchange(options.exchange, context.routing, groups);
    this.queues = Array.from({ length: groups }, () => createReadyQueue(options, this.order, context.messages));
    this.credits = new ConsumerCredits(context.consumers, groups);
    this.memory = new MemoryAlarm(options.memoryLimitBytes, context.messages, context.gate);
    this.timeout =
      options.consumerTimeout === null
        ? null
        : new ConsumerTimeout(context.sim, context.deliveries, options.consumerTimeout, (consumer, incarnation) =>
            this.channelTimedOut(consumer, incarnation),
          );
    this.expiry =
      options.messageTtl === null
        ? null
        : new HeadExpiry(
            options.messageTtl,
            context.sim,
            context.messages,
            this.queues,
            (message, group) => this.discard(message, group, "expired"),
            (group) => {
              this.dispatch(group);
              this.finish();
            },
          );
  }

  publish(message: number): void {
    const { context, options } = this;
    const { groups, others } = this.exchange.route(
      context.messages.producer[message]!,
      context.messages.routingKey[message]!,
    );
    const rejecting = options.overflow === "reject-publish";
    if (!this.up || (rejecting && options.confirms && this.anyQueueFull(groups))) {
      context.reject(message);
      return;
    }
    if (groups.length === 0) {
      this.unroutable(message);
      return;
    }
    for (const group of others) context.notRouted(message, group);
    context.accept(message);
    this.order.assign(message);
    for (const group of groups) {
      // Without confirms a queue at its limit discards the publish and nobody hears of it.
      if (rejecting && this.isFull(group)) context.drop(message, group, "reject-publish");
      else {
        this.queues[group]!.push(message);
        this.memory.hold(message);
      }
    }
    for (const group of groups) this.dispatch(group);
    this.finish();
  }

  /**
   * No queue is bound for the message's routing key. With `mandatory` the broker returns it
   * (basic.return, then the confirm): the producer knows, and queuesim counts it as refused.
   * Without, it is dropped, yet still confirmed: the exchange handled it by routing it nowhere.
   * Every group was owed it, so it is lost for each of them.
   */
  private unroutable(message: number): void {
    const { context } = this;
    if (this.options.mandatory) {
      context.reject(message);
      return;
    }
    context.accept(message);
    for (let group = 0; group < this.queues.length; group++) context.drop(message, group, "unroutable");
  }

  ack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    if (this.options.autoAck) {
      // The broker settled it when it sent it; this only ends the consumer's bookkeeping.
      this.close(delivery);
      return;
    }
    const group = this.settle(delivery);
    this.memory.release(message);
    this.dispatch(group);
    this.finish();
  }

  nack(delivery: number): void {
    const { deliveries, messages } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const group = this.groupOf(deliveries.consumer(delivery));
    if (this.options.autoAck) {
      this.close(delivery);
      if (messages.consumedBy[group]![message] === 0) this.context.drop(message, group, "auto-ack-processing-failed");
      return;
    }
    this.settle(delivery);
    if (this.options.requeueOnFailure) this.giveBack(group, message);
    else this.discard(message, group, "rejected");
    this.dispatch(group);
    this.finish();
  }

  consumerDown(consumer: number): void {
    this.credits.down(consumer);
    const diedIn = this.context.incarnations[consumer]! - 1;
    if (this.options.autoAck) {
      this.loseAutoAcked(consumer, diedIn, "auto-ack-consumer-crash");
      return;
    }
    this.context.sim.schedule(this.options.heartbeat, () => this.connectionLost(consumer, diedIn));
  }

  /** basic.cancel: no more deliveries to it; its unacked ones stay with the channel, neither requeued nor discarded. */
  consumerStopping(consumer: number): void {
    this.credits.down(consumer);
  }

  /**
   * The channel closes cleanly: its unacked deliveries are requeued at once
   * (redelivered=true), with no heartbeat wait. autoAck: what it had received
   * and not finished was settled on sending, so it is gone.
   */
  consumerClosed(consumer: number): void {
    this.credits.down(consumer);
    const closedIn = this.context.incarnations[consumer]!;
    if (this.options.autoAck) this.loseAutoAcked(consumer, closedIn, "auto-ack-consumer-stop");
    else this.requeueChannel(consumer, (incarnation) => incarnation === closedIn);
    this.finish();
  }

  consumerUp(consumer: number): void {
    this.credits.up(consumer);
    this.dispatch(this.groupOf(consumer));
    this.finish();
  }

  crash(): void {
    this.up = false;
    this.credits.dropAll();
    const { deliveries } = this.context;
    const returned: number[][] = this.queues.map(() => []);
    for (const delivery of this.openDeliveries(() => !this.options.autoAck)) {
      const message = deliveries.message(delivery);
      const group = this.groupOf(deliveries.consumer(delivery));
      this.close(delivery);
      if (this.options.survivesCrash) returned[group]!.push(message);
      else this.lose(message, group, "broker-crash");
    }
    this.queues.forEach((queue, group) => {
      this.expiry?.cancel(group);
      if (this.options.survivesCrash) this.returnAll(group, returned[group]!);
      else {
        queue.forEach((message) => {
          this.lose(message, group, "broker-crash");
        });
        queue.clear();
      }
      this.context.observer.depthChanged(group, queue.length, this.context.sim.now);
    });
    this.finish();
  }

  restart(): void {
    this.up = true;
    // Every consumer that is running reconnects with a fresh channel.
    for (const consumer of this.context.consumers) {
      if (this.credits.isAlive(consumer.index)) this.credits.refill(consumer.index);
    }
    for (let group = 0; group < this.queues.length; group++) this.dispatch(group);
    this.finish();
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.queues.forEach((queue, group) => {
      queue.forEach((message) => {
        visit(message, group);
      });
    });
    const { deliveries } = this.context;
    deliveries.forEachOpen((delivery) => {
      visit(deliveries.message(delivery), this.groupOf(deliveries.consumer(delivery)));
    });
  }

  /** Delivers ready messages round-robin to consumers with credit, then applies TTL and length limits. */
  private dispatch(group: number): void {
    if (!this.up) return;
    const queue = this.queues[group]!;
    this.expiry?.expireHeads(group);
    while (queue.length > 0) {
      const consumer = this.credits.take(group);
      if (consumer === -1) break;
      this.send(queue.shift(), consumer);
      this.expiry?.expireHeads(group);
    }
    this.dropOverflow(group);
    this.context.observer.depthChanged(group, queue.length, this.context.sim.now);
    this.expiry?.schedule(group);
  }

  private send(message: number, consumer: number): void {
    this.context.deliver(message, consumer);
    if (this.options.autoAck) this.memory.release(message);
    else this.timeout?.opened();
  }

  /** Ends every broker operation: the memory alarm may clear, which lets producers publish again. */
  private finish(): void {
    this.memory.clearIfBelow();
  }

  /** Closes a manual-ack delivery; its credit comes back only if it belongs to the consumer's live channel. */
  private settle(delivery: number): number {
    const { deliveries, incarnations } = this.context;
    const consumer = deliveries.consumer(delivery);
    const current = deliveries.incarnation(delivery) === incarnations[consumer];
    this.close(delivery);
    if (current && this.up && this.credits.isAlive(consumer)) this.credits.giveBack(consumer);
    return this.groupOf(consumer);
  }

  private close(delivery: number): void {
    this.context.deliveries.close(delivery);
    this.timeout?.closed();
  }

  /** The heartbeat timeout ran out: the dead connection's channels close and their deliveries return. */
  private connectionLost(consumer: number, diedIn: number): void {
    this.requeueChannel(consumer, (incarnation) => incarnation <= diedIn);
    this.finish();
  }

  /** consumer_timeout closed the channel; the consumer opens a new one with full credit. */
  private channelTimedOut(consumer: number, incarnation: number): void {
    if (incarnation === this.context.incarnations[consumer] && this.credits.isAlive(consumer)) {
      this.credits.refill(consumer);
    }
    this.requeueChannel(consumer, (held) => held === incarnation);
    this.finish();
  }

  private requeueChannel(consumer: number, inChannel: (incarnation: number) => boolean): void {
    const { deliveries } = this.context;
    const returned: number[] = [];
    const closing = this.openDeliveries(
      (delivery) => deliveries.consumer(delivery) === consumer && inChannel(deliveries.incarnation(delivery)),
    );
    for (const delivery of closing) {
      returned.push(deliveries.message(delivery));
      this.close(delivery);
    }
    const group = this.groupOf(consumer);
    this.returnAll(group, returned);
    this.dispatch(group);
  }

  /** autoAck: whatever the gone consumer had received but not finished is lost. */
  private loseAutoAcked(consumer: number, diedIn: number, reason: string): void {
    const { deliveries, messages } = this.context;
    const group = this.groupOf(consumer);
    const held = this.openDeliveries(
      (delivery) => deliveries.consumer(delivery) === consumer && deliveries.incarnation(delivery) <= diedIn,
    );
    for (const delivery of held) {
      const message = deliveries.message(delivery);
      this.close(delivery);
      if (messages.consumedBy[group]![message] === 0) this.context.drop(message, group, reason);
    }
  }

  private openDeliveries(include: (delivery: number) => boolean): number[] {
    const found: number[] = [];
    this.context.deliveries.forEachOpen((delivery) => {
      if (include(delivery)) found.push(delivery);
    });
    return found;
  }

  /** Returns several messages at once, in enqueue order (a quorum queue returns a channel's messages in order). */
  private returnAll(group: number, returned: number[]): void {
    returned.sort((a, b) => this.order.of(a) - this.order.of(b));
    // Inserting at the original position newest first keeps each insert at the head in the usual case.
    if (this.options.returnPlacement === "original-position") returned.reverse();
    for (const message of returned) this.giveBack(group, message);
  }

  /** A return; a quorum queue counts every return (4.0-4.2) and gives up past its delivery limit. */
  private giveBack(group: number, message: number): void {
    const limit = this.options.deliveryLimit;
    if (limit !== null && this.context.messages.deliveryCount[group]![message]! > limit) {
      this.discard(message, group, "delivery_limit");
    } else this.queues[group]!.giveBack(message);
  }

  /** Removes a message from a group for good: dead-lettered if a DLX is set, dropped otherwise. */
  private discard(message: number, group: number, reason: string): void {
    this.memory.release(message);
    if (this.options.deadLetterExchange) this.context.deadLetter(message, group, reason);
    else this.context.drop(message, group, reason);
  }

  private lose(message: number, group: number, reason: string): void {
    this.memory.release(message);
    this.context.drop(message, group, reason);
  }

  private dropOverflow(group: number): void {
    const max = this.options.maxLength;
    if (max === null || this.options.overflow !== "drop-head") return;
    const queue = this.queues[group]!;
    while (queue.length > max) this.discard(queue.shift(), group, "maxlen");
  }

  private isFull(group: number): boolean {
    return this.options.maxLength !== null && this.queues[group]!.length >= this.options.maxLength;
  }

  private anyQueueFull(groups: readonly number[]): boolean {
    for (const group of groups) if (this.isFull(group)) return true;
    return false;
  }

  private groupOf(consumer: number): number {
    return this.context.consumers[consumer]!.group;
  }
}
