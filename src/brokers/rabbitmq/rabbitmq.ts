import { type Distribution, isAlwaysZero, samplerFor } from "../../random/distributions.js";
import type { Broker, BrokerContext, ConnectionLoss } from "../broker.js";
import { ConsumerPipes } from "./consumer-pipes.js";
import { ConsumerTimeout } from "./consumer-timeout.js";
import { ConsumerCredits } from "./credits.js";
import { Exchange, type Route } from "./exchange.js";
import { EnqueueOrder } from "./group-queue.js";
import { HeadExpiry } from "./head-expiry.js";
import { HeartbeatDetection } from "./heartbeat-detection.js";
import { LimitNotice } from "./limit-notice.js";
import { MemoryAlarm } from "./memory-alarm.js";
import { QueueServers } from "./queue-servers.js";
import { createReadyQueue, type ReadyQueue } from "./ready-queue.js";
import { RetryQueues } from "./retry-queues.js";
import { ReturnCounts } from "./return-counts.js";
import type { RabbitOptions } from "./settings.js";

/**
 * RabbitMQ (AMQP 0-9-1): an exchange (fanout, direct or topic) routes every
 * publish to the queues of the consumer groups bound for its routing key (one
 * queue per group), and each queue pushes to its group's consumers
 * round-robin within their prefetch credit (and, without a prefetch bound, within
 * what the sockets hold). Unacked deliveries go back to the queue when their
 * channel closes: a network hop after a consumer process dies, at heartbeat
 * detection for a silent one, after consumer_timeout for a stuck one. Classic
 * and quorum queues, and RabbitMQ versions, differ only in the options (where
 * returns go, the delivery limit, durability); docs/brokers/rabbitmq.md gives
 * the rules and their sources.
 */
export function createRabbitBroker(context: BrokerContext, options: RabbitOptions, serviceTime: Distribution): Broker {
  return new RabbitBroker(context, options, serviceTime);
}

class RabbitBroker implements Broker {
  private readonly order: EnqueueOrder;
  private readonly exchange: Exchange;
  private readonly queues: ReadyQueue[];
  private readonly credits: ConsumerCredits;
  private readonly memory: MemoryAlarm;
  private readonly timeout: ConsumerTimeout | null;
  private readonly expiry: HeadExpiry | null;
  private readonly detection: HeartbeatDetection;
  private readonly pipes: ConsumerPipes | null;
  private readonly servers: QueueServers;
  private readonly limitNotice: LimitNotice | null;
  private readonly returns: ReturnCounts;
  /** Per consumer: the last incarnation whose closed socket the broker has been sent word of. */
  private readonly closedUpTo: Int32Array;
  /** The message dispatch is placing, for the pipe check. */
  private placing = -1;
  private readonly pipeFits: ((consumer: number) => boolean) | null;
  private up = true;
  /** Per pipeline target group, the route of its onward messages (stageRoute). */
  private readonly targetRoutes: (Route | undefined)[] = [];
  /** Per exchange route, a producer's pipeline message's route by the bits of the groups it is addressed to (addressedRoute). */
  private readonly addressedRoutes = new Map<Route, Map<number, Route>>();
  /** Null until a consumer first hands a message back (`retry: {via: broker}`). */
  private retryQueues: RetryQueues | null = null;

  constructor(
    private readonly context: BrokerContext,
    private readonly options: RabbitOptions,
    serviceTime: Distribution,
  ) {
    const groups = context.groupCount;
    this.order = new EnqueueOrder(context.messages);
    const consumerCount = context.consumers.length;
    this.exchange = new Exchange(options.exchange, context.routing, groups);
    this.queues = Array.from({ length: groups }, () => createReadyQueue(options, this.order, context.messages));
    this.credits = new ConsumerCredits(context.consumers, groups);
    this.detection = new HeartbeatDetection(consumerCount, options.heartbeat);
    for (let consumer = 0; consumer < consumerCount; consumer++) this.detection.opened(consumer, 0);
    const pipes =
      options.socketBufferBytes === null
        ? null
        : new ConsumerPipes(consumerCount, options.socketBufferBytes, context.messages);
    this.pipes = pipes;
    this.pipeFits = pipes === null ? null : (consumer) => pipes.fits(consumer, this.placing);
    const sample = isAlwaysZero(serviceTime) ? null : samplerFor(serviceTime, context.stream("service"));
    this.servers = new QueueServers(groups, options.cores, sample);
    this.limitNotice =
      options.limitNoticeDelay === null || options.maxLength === null
        ? null
        : new LimitNotice(groups, options.maxLength, options.limitNoticeDelay, context.sim);
    this.returns = new ReturnCounts(groups);
    this.closedUpTo = new Int32Array(consumerCount).fill(-1);
    this.memory = new MemoryAlarm(options.memoryLimitBytes, context.messages, context.gate);
    this.timeout =
      options.consumerTimeout === null
        ? null
        : new ConsumerTimeout(
            context.sim,
            context.deliveries,
            options.consumerTimeout,
            options.channelTickInterval,
            (consumer, incarnation) => this.channelTimedOut(consumer, incarnation),
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

  /** A publish reached the broker: each target queue does its work, then the message is admitted. */
  publish(message: number): void {
    const { context } = this;
    const now = context.sim.now;
    const finish = this.servers.finishTime(this.route(message).groups, now);
    if (finish === now) this.admit(message);
    else context.sim.at(finish, this.admitDone, message);
  }

  private readonly admitDone = (message: number): void => this.admit(message);

  private route(message: number): Route {
    const { messages, routing } = this.context;
    const route = this.exchange.route(messages.producer[messages.slot(message)]!, messages.routingKeyOf(message));
    return routing.stageTargetOf === undefined
      ? route
      : this.stageRoute(message, route, routing.stageTargetOf(message));
  }

  /** Pipelines: an onward message goes to its target's queue alone; a producer's, as routed, to the groups no stage feeds. */
  private stageRoute(message: number, route: Route, target: number): Route {
    if (target >= 0) {
      // The same for every onward message to `target`: made once (a route per message allocated two arrays).
      this.targetRoutes[target] ??= this.routeTo([target]);
      return this.targetRoutes[target]!;
    }
    return this.addressedRoute(message, route);
  }

  /**
   * A producer's message in a pipeline goes to the groups of its route it is addressed to. Which those are is a
   * bit per group of the route, and the route for each set of bits is made once (a route per message allocated
   * two arrays on every publish and admission).
   */
  private addressedRoute(message: number, route: Route): Route {
    const { messages } = this.context;
    const { groups } = route;
    if (groups.length > 30) return this.routeToAddressed(message, groups);
    let addressed = 0;
    for (let i = 0; i < groups.length; i++) if (messages.addressedTo(message, groups[i]!)) addressed |= 1 << i;
    let made = this.addressedRoutes.get(route);
    if (made === undefined) {
      made = new Map();
      this.addressedRoutes.set(route, made);
    }
    // Made elsewhere: a closure here would make this function allocate its variables' context on every call.
    return made.get(addressed) ?? this.madeAddressedRoute(made, groups, addressed);
  }

  private madeAddressedRoute(made: Map<number, Route>, groups: readonly number[], addressed: number): Route {
    const route = this.routeTo(groups.filter((_, i) => (addressed & (1 << i)) !== 0));
    made.set(addressed, route);
    return route;
  }

  /** A route with more groups than bits: made per message, as before. */
  private routeToAddressed(message: number, groups: readonly number[]): Route {
    const { messages } = this.context;
    return this.routeTo(groups.filter((group) => messages.addressedTo(message, group)));
  }

  /** The route to `groups`, every other group being one the message is not addressed to. */
  private routeTo(groups: number[]): Route {
    const others: number[] = [];
    for (let group = 0; group < this.context.groupCount; group++) if (!groups.includes(group)) others.push(group);
    return { groups, others };
  }

  /** The queues did their work: the message is queued, or refused (broker down, a full queue that refuses). */
  private admit(message: number): void {
    const { context, options } = this;
    const { groups, others } = this.route(message);
    if (!this.up || (options.confirms && this.anyRefuses(groups))) {
      context.reject(message);
      if (this.up) this.deadLetterRefused(message, groups);
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
      // Without confirms a queue that refuses discards the publish and nobody hears of it.
      if (this.refuses(group)) this.refuseQuietly(message, group);
      else {
        this.queues[group]!.push(message);
        this.memory.hold(message);
      }
    }
    for (const group of groups) this.dispatch(group);
    this.finish();
  }

  /** reject-publish-dlx: a refused publish is also dead-lettered (reason maxlen) by each full queue. */
  private deadLetterRefused(message: number, groups: readonly number[]): void {
    if (this.options.overflow !== "reject-publish-dlx" || !this.options.deadLetterExchange) return;
    for (const group of groups) if (this.refuses(group)) this.context.deadLetter(message, group, "maxlen");
  }

  /** No confirms: the full queue discards its copy (never held, so no memory to release). */
  private refuseQuietly(message: number, group: number): void {
    const { context, options } = this;
    if (options.overflow !== "reject-publish-dlx") context.drop(message, group, "reject-publish");
    else if (options.deadLetterExchange) context.deadLetter(message, group, "maxlen");
    else context.drop(message, group, "maxlen");
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
    this.heardFrom(delivery);
    if (this.options.autoAck) {
      // The broker settled it when it sent it; the consumer read and processed it, which drains its socket.
      const group = this.settle(delivery);
      this.dispatch(group);
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
    this.heardFrom(delivery);
    const group = this.settle(delivery);
    if (this.options.autoAck) {
      if (messages.consumedBy[group]![messages.slot(message)] === 0)
        this.context.drop(message, group, "auto-ack-processing-failed");
    } else if (this.options.requeueOnFailure) {
      this.giveBack(group, message, this.options.nacksCountTowardLimit);
    } else this.discard(message, group, "rejected");
    this.dispatch(group);
    this.finish();
  }

  /**
   * A retry via the broker (retry-queues.ts): the consumer publishes a copy to its attempt's retry queue,
   * then acks the original; the copy stays in memory and comes back to the tail of the queue when it expires.
   */
  retryLater(delivery: number, delayMicros: number): void {
    const { deliveries, messages, sim } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    this.heardFrom(delivery);
    const group = this.settle(delivery);
    const attempt = messages.deliveryCount[group]![messages.slot(message)]!;
    this.retryQueues ??= new RetryQueues(sim, this.context.groupCount, this.retryExpired);
    this.retryQueues.hold(message, group, attempt, delayMicros);
    this.dispatch(group);
    this.finish();
  }

  /** A retry copy's dead-letter exchange routes it back to its group's work queue, at the tail. */
  private readonly retryExpired = (message: number, group: number): void => {
    // A dead-lettered copy is a new enqueue: its original position is now the tail.
    this.order.assign(message);
    this.queues[group]!.push(message);
    this.dispatch(group);
  };

  /** A frame from a consumer's live connection: it keeps the heartbeat check content. */
  private heardFrom(delivery: number): void {
    const { deliveries, incarnations, sim } = this.context;
    const consumer = deliveries.consumer(delivery);
    if (deliveries.incarnation(delivery) === incarnations[consumer]) this.detection.heard(consumer, sim.now);
  }

  /**
   * A consumer is gone. "closed": its process died and its operating system closed the socket; the close
   * reaches the broker over the consumer's link and the channel's deliveries return at once. "silent": the
   * socket stays open; the broker goes on sending to it, as far as prefetch and the socket bound allow,
   * until the heartbeat check gives up and closes it (never without heartbeats).
   */
  consumerDown(consumer: number, loss: ConnectionLoss): void {
    const { context } = this;
    const diedIn = context.incarnations[consumer]! - 1;
    if (loss === "closed") {
      this.credits.down(consumer);
      this.closedUpTo[consumer] = Math.max(this.closedUpTo[consumer]!, diedIn);
      context.overConsumerLink(consumer, this.socketClosed, consumer);
      return;
    }
    // What the broker sends from now on belongs to the silent connection, the life after diedIn.
    const silentLife = diedIn + 1;
    const closesAt = this.detection.closesAt(consumer, context.sim.now);
    if (closesAt !== null) context.sim.at(closesAt, () => this.silentConnectionClosed(consumer, silentLife));
  }

  /** Heartbeats gave up on a silent connection; if the consumer has not reconnected since, it gets nothing more. */
  private silentConnectionClosed(consumer: number, silentLife: number): void {
    if (this.context.incarnations[consumer] === silentLife) this.credits.down(consumer);
    this.connectionLost(consumer, silentLife);
  }

  private readonly socketClosed = (consumer: number): void => this.connectionLost(consumer, this.closedUpTo[consumer]!);

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
    else this.requeueChannel(consumer, (incarnation) => incarnation === closedIn, true);
    this.finish();
  }

  consumerUp(consumer: number): void {
    this.credits.up(consumer);
    this.detection.opened(consumer, this.context.sim.now);
    this.pipes?.reset(consumer);
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
    this.retryQueues?.crash(this.options.survivesCrash, (message, group) => this.lose(message, group, "broker-crash"));
    this.queues.forEach((queue, group) => {
      this.expiry?.cancel(group);
      if (this.options.survivesCrash) this.returnAll(group, returned[group]!, true);
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
      if (!this.credits.isAlive(consumer.index)) continue;
      this.credits.refill(consumer.index);
      this.detection.opened(consumer.index, this.context.sim.now);
      this.pipes?.reset(consumer.index);
    }
    for (let group = 0; group < this.queues.length; group++) this.dispatch(group);
    this.retryQueues?.restart();
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
    this.retryQueues?.forEachHeld(visit);
  }

  /** Delivers ready messages round-robin to consumers with credit, then applies TTL and length limits. */
  private dispatch(group: number): void {
    if (!this.up) return;
    const queue = this.queues[group]!;
    this.expiry?.expireHeads(group);
    while (queue.length > 0) {
      this.placing = queue.peek();
      const consumer = this.credits.take(group, this.pipeFits);
      if (consumer === -1) break;
      this.send(queue.shift(), consumer);
      this.expiry?.expireHeads(group);
    }
    this.dropOverflow(group);
    this.limitNotice?.lengthChanged(group, queue.length);
    this.context.observer.depthChanged(group, queue.length, this.context.sim.now);
    this.expiry?.schedule(group);
  }

  private send(message: number, consumer: number): void {
    this.context.deliver(message, consumer);
    this.pipes?.sent(consumer, message);
    if (this.options.autoAck) this.memory.release(message);
    else this.timeout?.opened();
  }

  /** Ends every broker operation: the memory alarm may clear, which lets producers publish again. */
  private finish(): void {
    this.memory.clearIfBelow();
  }

  /**
   * Closes a delivery the consumer processed; its credit (manual acks) and its room in the socket come
   * back only if it belongs to the consumer's live channel.
   */
  private settle(delivery: number): number {
    const { deliveries, incarnations } = this.context;
    const consumer = deliveries.consumer(delivery);
    const current = deliveries.incarnation(delivery) === incarnations[consumer];
    this.close(delivery);
    if (current && this.up && this.credits.isAlive(consumer)) {
      if (!this.options.autoAck) this.credits.giveBack(consumer);
      if (this.pipes !== null) {
        this.pipes.drained(consumer, deliveries.message(delivery));
        this.credits.wake(consumer);
      }
    }
    return this.groupOf(consumer);
  }

  private close(delivery: number): void {
    this.context.deliveries.close(delivery);
    this.timeout?.closed();
  }

  /**
   * The broker found the connection dead: its channels close and their deliveries return, or with
   * autoAck, what the consumer had received and not processed is lost.
   */
  private connectionLost(consumer: number, diedIn: number): void {
    if (this.options.autoAck) this.loseAutoAcked(consumer, diedIn, "auto-ack-consumer-crash");
    else this.requeueChannel(consumer, (incarnation) => incarnation <= diedIn, true);
    this.finish();
  }

  /** consumer_timeout closed the channel; the consumer opens a new one with full credit. */
  private channelTimedOut(consumer: number, incarnation: number): void {
    if (incarnation === this.context.incarnations[consumer] && this.credits.isAlive(consumer)) {
      this.credits.refill(consumer);
    }
    // 4.3 counts only failed deliveries toward the quorum delivery limit, not a consumer timeout.
    this.requeueChannel(consumer, (held) => held === incarnation, this.options.nacksCountTowardLimit);
    this.finish();
  }

  private requeueChannel(consumer: number, inChannel: (incarnation: number) => boolean, counted: boolean): void {
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
    this.returnAll(group, returned, counted);
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
      if (messages.consumedBy[group]![messages.slot(message)] === 0) this.context.drop(message, group, reason);
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
  private returnAll(group: number, returned: number[], counted: boolean): void {
    returned.sort((a, b) => this.order.of(a) - this.order.of(b));
    // Inserting at the original position newest first keeps each insert at the head in the usual case.
    if (this.options.returnPlacement === "original-position") returned.reverse();
    for (const message of returned) this.giveBack(group, message, counted);
  }

  /**
   * A return. A quorum queue with a delivery limit gives the message up when its counted returns go
   * above the limit: every return counts up to 4.2; from 4.3 a nack or a consumer timeout does not.
   */
  private giveBack(group: number, message: number, counted: boolean): void {
    const limit = this.options.deliveryLimit;
    if (limit === null) {
      this.queues[group]!.giveBack(message);
      return;
    }
    if (!counted) this.returns.uncounted(message, group);
    const returnsCounted =
      this.context.messages.deliveryCount[group]![this.context.messages.slot(message)]! -
      this.returns.uncountedOf(message, group);
    if (returnsCounted > limit) {
      this.returns.forget(message, group);
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

  /**
   * Whether a publish to `group` is refused now: a classic queue at x-max-length with a reject-publish
   * overflow; a quorum queue whose publishers heard reject_publish.
   */
  private refuses(group: number): boolean {
    const { options } = this;
    if (options.maxLength === null || options.overflow === "drop-head") return false;
    if (this.limitNotice !== null) return this.limitNotice.refuses(group);
    return this.queues[group]!.length >= options.maxLength;
  }

  private anyRefuses(groups: readonly number[]): boolean {
    for (const group of groups) if (this.refuses(group)) return true;
    return false;
  }

  private groupOf(consumer: number): number {
    return this.context.consumers[consumer]!.group;
  }
}
