import type { Simulation } from "../engine/simulation.js";
import { type LatencySnapshot, LatencyStats } from "../metrics/latency.js";
import { IntMap } from "../model/int-map.js";
import { IntRing } from "../model/int-ring.js";
import { type MessageColumn, type MessageTable, ProducerView } from "../model/messages.js";
import type { Link } from "../model/network.js";
import type { ReplySender, RequestGate, RequestSend } from "../model/requests.js";
import type { RequestSpec } from "../scenario/requests.js";
import type { ParsedScenario } from "../scenario/schema.js";

/**
 * Request-reply (docs/patterns.md#request-reply). A requester's request carries its message id as both
 * business id and correlation id, so a resend after a timeout is the same message to the broker and to the
 * responder's dedup store. The requester waits on the correlation id from the first send until a reply
 * comes or it gives up: a reply to any attempt answers it, and one that finds nobody waiting is late.
 */

/** One requester's figures, shared by its instances. */
export class RequestFigures {
  sent = 0;
  repliedInTime = 0;
  timedOut = 0;
  retried = 0;
  lateReplies = 0;
  repliesDropped = 0;
  failedAfterRetries = 0;
  abandonedByCrash = 0;
  duplicateExecutions = 0;
  duplicatesAbsorbed = 0;
  waitedForSlot = 0;
  outstandingPeak = 0;
  /** First send → reply received, for the requests answered in time. */
  readonly latency = new LatencyStats();
  /** With a time series: per interval of `interval` µs, the timeouts, and the replies in time with their latency sum. */
  private series: { interval: number; timeouts: number[]; replies: number[]; latencySum: number[] } | null = null;

  constructor(readonly spec: RequestSpec) {}

  recordSeries(interval: number): void {
    this.series = { interval, timeouts: [], replies: [], latencySum: [] };
  }

  timeout(now: number): void {
    this.timedOut++;
    if (this.series !== null) bump(this.series.timeouts, Math.floor(now / this.series.interval), 1);
  }

  repliedAfter(latency: number, now: number): void {
    this.repliedInTime++;
    this.latency.record(latency);
    if (this.series === null) return;
    const at = Math.floor(now / this.series.interval);
    bump(this.series.replies, at, 1);
    bump(this.series.latencySum, at, latency);
  }

  snapshot(): RequestResult {
    const { latency, spec, series, ...counts } = this;
    return {
      ...{ to: spec.to, replyQueue: spec.replyQueue, ...counts, latency: latency.snapshot() },
      ...(series === null ? {} : { series: seriesOf(series) }),
    };
  }
}

function bump(values: number[], at: number, by: number): void {
  while (values.length <= at) values.push(0);
  values[at]! += by;
}

function seriesOf(series: { interval: number; timeouts: number[]; replies: number[]; latencySum: number[] }) {
  const latencyMeanMs = series.replies.map((replies, at) =>
    replies === 0 ? 0 : series.latencySum[at]! / replies / 1000,
  );
  return { intervalMicros: series.interval, timeouts: series.timeouts, latencyMeanMs };
}

export interface RequestResult {
  to: string;
  replyQueue: RequestSpec["replyQueue"];
  sent: number;
  repliedInTime: number;
  timedOut: number;
  retried: number;
  lateReplies: number;
  repliesDropped: number;
  failedAfterRetries: number;
  abandonedByCrash: number;
  duplicateExecutions: number;
  duplicatesAbsorbed: number;
  waitedForSlot: number;
  outstandingPeak: number;
  latency: LatencySnapshot;
  /** Per interval of the run's time series: timeouts, and the mean latency of the replies in time; only when one is recorded. */
  series?: { intervalMicros: number; timeouts: number[]; latencyMeanMs: number[] };
}

/** One requester instance: its requests in flight, those waiting for a slot, and its reply queue. */
class RequesterInstance implements RequestGate {
  private up = true;
  /**
   * Requests in flight: message → the pending timer (the timeout or the backoff before the resend), when it was
   * first sent, and how often it was sent. IntMaps, where a Map entry and an object per request were allocated.
   */
  private readonly waiting = new IntMap();
  private readonly firstSent = new IntMap();
  private readonly attempts = new IntMap();
  private readonly queued = new IntRing();
  /** Requests a crash made the process forget: a reply to one finds no waiting caller (and, unless shared, no queue). */
  private readonly forgotten = new Set<number>();
  private readonly onTimeout = (message: number): void => this.timedOut(message);
  private readonly onResend = (message: number): void => {
    this.figures.retried++;
    this.transmit(message);
  };
  /** A reply reaches the requester from the broker. */
  readonly replyArrives = (message: number): void => this.arrived(message);

  constructor(
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
    private readonly figures: RequestFigures,
    private readonly send: RequestSend,
  ) {}

  created(message: number): void {
    const limit = this.figures.spec.maxOutstanding;
    if (limit !== null && this.waiting.size >= limit) {
      this.queued.push(message);
      this.figures.waitedForSlot++;
      return;
    }
    this.launch(message);
  }

  crashed(): void {
    this.up = false;
    for (const message of this.waiting.keys()) {
      this.sim.cancel(this.waiting.get(message)!);
      this.forgotten.add(message);
    }
    this.figures.abandonedByCrash += this.waiting.size + this.queued.length;
    this.waiting.clear();
    this.firstSent.clear();
    this.attempts.clear();
    // Requests still waiting for a slot were never sent: they die with the process, unknown to it.
    this.queued.forEach((message) => {
      this.messages.producerView[this.messages.slot(message)] = ProducerView.unknown;
      this.messages.markNeverSent(message);
    });
    this.queued.clear();
  }

  restarted(): void {
    this.up = true;
  }

  /**
   * Requests in flight: a timeout or a resend is still to come. One waiting for a slot was never sent, so the
   * table's first unanswered publish holds it already; a reply needs no id held: it finds its way back without
   * reading the message's row (see `RequestReply.replied`).
   */
  oldestHeld(): number {
    return this.waiting.smallestKey();
  }

  private launch(message: number): void {
    this.waiting.set(message, -1);
    this.firstSent.set(message, this.sim.now);
    this.attempts.set(message, 0);
    this.figures.sent++;
    if (this.waiting.size > this.figures.outstandingPeak) this.figures.outstandingPeak = this.waiting.size;
    this.transmit(message);
  }

  /** Sends (or resends) the request and starts its timeout; the timer is set first, so a zero-latency reply finds it. */
  private transmit(message: number): void {
    if (!this.waiting.has(message)) return;
    this.attempts.set(message, this.attempts.get(message)! + 1);
    this.waiting.set(message, this.sim.schedule(this.figures.spec.timeout, this.onTimeout, message));
    this.send(message);
  }

  private timedOut(message: number): void {
    this.figures.timeout(this.sim.now);
    if (this.attempts.get(message)! <= this.figures.spec.retries) {
      // A reply during the backoff answers the request and cancels the resend: only resends sent count as retried.
      this.waiting.set(message, this.sim.schedule(this.figures.spec.backoff, this.onResend, message));
      return;
    }
    this.figures.failedAfterRetries++;
    this.finish(message);
  }

  private arrived(message: number): void {
    const timer = this.up ? this.waiting.get(message) : undefined;
    if (timer === undefined) {
      this.discard(message);
      return;
    }
    this.sim.cancel(timer);
    this.figures.repliedAfter(this.sim.now - this.firstSent.get(message)!, this.sim.now);
    this.finish(message);
  }

  /**
   * A reply nobody waits for. Its queue died with the requester's connection (exclusive, direct) when the
   * requester is down or the request was sent before its crash: dropped. Otherwise it is read and discarded.
   */
  private discard(message: number): void {
    const queueGone = (!this.up || this.forgotten.has(message)) && this.figures.spec.replyQueue !== "shared";
    if (queueGone) this.figures.repliesDropped++;
    else this.figures.lateReplies++;
  }

  /** The request is answered or given up: its slot goes to the oldest request waiting for one. */
  private finish(message: number): void {
    this.waiting.delete(message);
    this.firstSent.delete(message);
    this.attempts.delete(message);
    if (this.queued.length > 0 && this.up) this.launch(this.queued.shift());
  }
}

/**
 * The run's request-reply: a requester per producer with `request:`, and the responders' replies. A reply
 * travels back as a message does: over the responder's link to the broker, then the broker's link to the
 * requester instance that sent the request.
 */
export class RequestReply implements ReplySender {
  /** Per producer with `request:` (by name, in the order written). */
  readonly figures = new Map<string, RequestFigures>();
  /** Per producer instance: its requester, or null. */
  private readonly instances: (RequesterInstance | null)[] = [];
  private readonly responderOf: (number | null)[] = [];
  private readonly consumerLinks: Link[] = [];
  private readonly groupOfConsumer: number[];
  /** Per request, a message-table column: how often the responder executed it (a re-execution is a duplicate). */
  private readonly executions: MessageColumn<Int32Array>;
  private readonly figuresOfInstance: (RequestFigures | null)[] = [];
  /**
   * Per producer instance: what a reply to one of its requests does when it reaches the broker. One handler per
   * instance, made once, so a reply still on its way needs no read of its message's row, which may be retired
   * by then (the responder acked the request, and nobody else holds it).
   */
  private readonly replyAtBroker: ((message: number) => void)[] = [];

  constructor(
    scenario: ParsedScenario,
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
  ) {
    const groups = scenario.consumers.map((c) => c.group);
    for (const producer of scenario.producers) {
      const figures = producer.request === undefined ? null : new RequestFigures(producer.request);
      if (figures !== null) this.figures.set(producer.name, figures);
      for (let instance = 0; instance < producer.instances; instance++) {
        this.figuresOfInstance.push(figures);
        this.responderOf.push(figures === null ? null : groups.indexOf(figures.spec.to));
      }
    }
    this.groupOfConsumer = scenario.consumers.flatMap((spec, group) => Array<number>(spec.instances).fill(group));
    this.executions = messages.column((length) => new Int32Array(length));
  }

  recordSeries(interval: number): void {
    for (const figures of this.figures.values()) figures.recordSeries(interval);
  }

  /** The groups some requester sends to: only their consumers reply. */
  get responderGroups(): Set<number> {
    return new Set(this.responderOf.filter((group): group is number => group !== null));
  }

  /** Producer instance `index` with its link from the broker: a requester if its producer has `request:`. */
  gateFor(index: number, fromBroker: Link): ((send: RequestSend) => RequestGate) | undefined {
    const figures = this.figuresOfInstance[index] ?? null;
    this.replyAtBroker[index] = (message) => fromBroker.send(this.instances[index]!.replyArrives, message);
    if (figures === null) {
      this.instances[index] = null;
      return undefined;
    }
    return (send) => {
      const instance = new RequesterInstance(this.sim, this.messages, figures, send);
      this.instances[index] = instance;
      return instance;
    };
  }

  /** Consumer `index` replies over `toBroker`, its link to the broker. */
  connect(index: number, toBroker: Link): void {
    this.consumerLinks[index] = toBroker;
  }

  replied(message: number, consumer: number, absorbed: boolean): void {
    const instance = this.messages.producer[this.messages.slot(message)]!;
    const figures = this.figuresOfInstance[instance] ?? null;
    // Only the group a request is addressed to answers it; a message of a plain producer has no reply address.
    if (figures === null || this.responderOf[instance] !== this.groupOfConsumer[consumer]) return;
    if (absorbed) figures.duplicatesAbsorbed++;
    else {
      const row = this.messages.slot(message);
      const executions = this.executions.values[row]! + 1;
      this.executions.values[row] = executions;
      if (executions > 1) figures.duplicateExecutions++;
    }
    this.consumerLinks[consumer]!.send(this.replyAtBroker[instance]!, message);
  }
}

/** summary's figures per requester, in the order written; undefined when no producer sends requests. */
export function requestResults(requests: RequestReply | null): Record<string, RequestResult> | undefined {
  if (requests === null) return undefined;
  const results: Record<string, RequestResult> = {};
  for (const [name, figures] of requests.figures) results[name] = figures.snapshot();
  return results;
}
