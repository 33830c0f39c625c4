import type { MessageColumn, MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import type { Lineage } from "../model/stage-publisher.js";
import { type LatencySnapshot, LatencyStats } from "./latency.js";

/** One consumer group's figures as a pipeline stage, counted in (message, group) pairs. */
export interface StageCounts {
  /** Messages addressed to the group that the broker accepted. */
  received: number;
  /** Onward messages the group's consumers published (one per output; repeats when an input was processed twice). */
  publishedOnward: number;
  /** Messages the group consumed at least once. */
  consumed: number;
  /** Consumptions beyond the first of a message. */
  duplicated: number;
}

export interface StageFigures extends StageCounts {
  /** From the root message's publish to this stage's first consumption of the message. */
  latency: LatencySnapshot;
  /** Time-average number of messages in the stage (accepted, not yet consumed), over [0, duration]. */
  meanInStage: number;
  /** Mean time from the broker accepting a message for the stage to its first consumption there. */
  meanSojournMicros: number;
  /** Messages accepted for the stage before `duration` (the arrival count behind Little's law). */
  arrivedDuringRun: number;
}

export interface FlowFigures {
  stages: StageFigures[];
  /** Root messages whose flow reached a last stage (one that publishes nothing onward) at least once. */
  rootsCompleted: number;
  /** From a root's publish to each last stage's first consumption of a message of its flow. */
  endToEnd: LatencySnapshot;
}

/**
 * Per-stage accounting of a scenario with pipeline stages (src/model/stage-publisher.ts). It watches
 * acceptances and consumptions only; the run's loss and pending figures per group come from the
 * settlement at the end. Each stage also integrates its population over time for Little's law.
 */
export class StageRecorder extends NullObserver {
  private readonly counts: StageCounts[];
  private readonly latency: LatencyStats[];
  private readonly endToEnd = new LatencyStats();
  private readonly inStage: number[];
  private readonly area: number[];
  private readonly since: number[];
  private readonly sojournSum: number[];
  private readonly sojournCount: number[];
  private readonly arrivals: number[];
  /** Per root: 1 once its flow reached a last stage (the root's row outlives its flow's messages: `Lineage.keptFrom`). */
  private readonly completedRoots: MessageColumn<Uint8Array>;
  private rootsCompleted = 0;

  private readonly lastStage: readonly boolean[];
  private readonly gathering: readonly boolean[];
  private readonly warmup: number;
  private readonly duration: number;

  constructor(
    private readonly messages: MessageTable,
    private readonly lineage: Lineage,
    shape: {
      /** Per group: true for a last stage (it publishes nothing onward and some stage feeds it). */
      lastStage: readonly boolean[];
      /** Per group: true when it gathers parts (its flows end when a set completes, not at each part). */
      gathering: readonly boolean[];
      warmup: number;
      duration: number;
    },
  ) {
    super();
    this.completedRoots = messages.column((length) => new Uint8Array(length));
    ({ lastStage: this.lastStage, gathering: this.gathering, warmup: this.warmup, duration: this.duration } = shape);
    const groups = this.lastStage.length;
    this.counts = Array.from({ length: groups }, () => ({
      received: 0,
      publishedOnward: 0,
      consumed: 0,
      duplicated: 0,
    }));
    this.latency = Array.from({ length: groups }, () => new LatencyStats());
    const zeros = () => Array<number>(groups).fill(0);
    this.inStage = zeros();
    this.area = zeros();
    this.since = zeros();
    this.sojournSum = zeros();
    this.sojournCount = zeros();
    this.arrivals = zeros();
  }

  /** A stage published `outputs` onward messages while processing one input. */
  publishedOnward(group: number, outputs: number): void {
    this.counts[group]!.publishedOnward += outputs;
  }

  override accepted(message: number, now: number): void {
    // Called once per message (a retry the broker takes again is not a new acceptance).
    const messages = this.messages;
    for (let group = 0; group < this.counts.length; group++) {
      if (!messages.addressedTo(message, group)) continue;
      this.counts[group]!.received++;
      if (now < this.duration) this.arrivals[group]!++;
      this.population(group, now, 1);
    }
  }

  override consumed(message: number, group: number, _consumer: number, timesConsumed: number, now: number): void {
    const counts = this.counts[group]!;
    if (timesConsumed > 1) {
      counts.duplicated++;
      return;
    }
    counts.consumed++;
    const messages = this.messages;
    const row = messages.slot(message);
    const acceptedAt = messages.acceptedAt[row]!;
    // Consumed although never accepted (a broker that lost the confirm): it never entered the stage's count.
    if (!Number.isNaN(acceptedAt)) {
      this.population(group, now, -1);
      if (acceptedAt < this.duration) {
        this.sojournSum[group]! += now - acceptedAt;
        this.sojournCount[group]!++;
      }
    }
    const publishedAt = messages.intendedAt[row]!;
    if (publishedAt < this.warmup) return;
    this.latency[group]!.record(now - publishedAt);
    if (this.lastStage[group] === true && this.gathering[group] !== true) this.reachedEnd(message, now - publishedAt);
  }

  /**
   * A gathering group completed a set now, with its part `part`: for a last stage, the flow's end. Every
   * message of a flow carries its root's publish time.
   */
  setCompleted(group: number, part: number, now: number): void {
    const publishedAt = this.messages.intendedAt[this.messages.slot(part)]!;
    if (this.lastStage[group] === true && publishedAt >= this.warmup) this.reachedEnd(part, now - publishedAt);
  }

  /** The flow of `message` ended at a stage that published nothing onward for it (its maxHops reached). */
  flowEnded(message: number, now: number): void {
    const publishedAt = this.messages.intendedAt[this.messages.slot(message)]!;
    if (publishedAt >= this.warmup) this.reachedEnd(message, now - publishedAt);
  }

  finish(): FlowFigures {
    const horizon = this.duration;
    const stages = this.counts.map(
      (counts, group): StageFigures => ({
        ...counts,
        latency: this.latency[group]!.snapshot(),
        meanInStage:
          (this.area[group]! +
            (this.since[group]! < horizon ? this.inStage[group]! * (horizon - this.since[group]!) : 0)) /
          horizon,
        meanSojournMicros: this.sojournCount[group] === 0 ? 0 : this.sojournSum[group]! / this.sojournCount[group]!,
        arrivedDuringRun: this.arrivals[group]!,
      }),
    );
    return { stages, rootsCompleted: this.rootsCompleted, endToEnd: this.endToEnd.snapshot() };
  }

  private reachedEnd(message: number, latency: number): void {
    this.endToEnd.record(latency);
    const row = this.messages.slot(this.lineage.rootOf(message));
    const completed = this.completedRoots.values;
    if (completed[row] === 1) return;
    completed[row] = 1;
    this.rootsCompleted++;
  }

  /** Integrates the stage's population over [0, duration] before changing it by `change`. */
  private population(group: number, now: number, change: number): void {
    const end = Math.min(now, this.duration);
    const since = this.since[group]!;
    if (end > since) this.area[group]! += this.inStage[group]! * (end - since);
    this.since[group] = Math.max(since, end);
    this.inStage[group]! += change;
  }
}
