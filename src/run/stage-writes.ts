import type { Simulation } from "../engine/simulation.js";
import type { MessageTable } from "../model/messages.js";
import type { Link } from "../model/network.js";
import { type CommittedWrites, DualWrite, OutboxRelay } from "../model/outbox.js";
import { samplerFor } from "../random/distributions.js";
import type { RandomStreams } from "../random/streams.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { ProducerWrites, type WritesResult } from "./writes.js";

/** What one stage instance's writes need from the stage flows: its publish path and its link from the broker. */
export interface StageWritesLinks {
  /** Sends an onward message to the broker now (over the instance's link), as a stage without writes does at once. */
  publish: (message: number) => void;
  /** The broker's link to the instance: the relay's confirms travel back over it. */
  fromBroker: Link;
}

/**
 * Pipeline stages with `writes:` (docs/patterns.md, "Stages through an outbox"): the onward messages of an
 * input are committed in the side effect's own transaction, to a dual write or to an outbox with a relay,
 * the same `CommittedWrites` a producer uses. Each instance has its own, living in its process: the
 * instance's crash is its relay's crash, the instance's restart its relay's restart. Figures are per group,
 * shared by its instances, and reported under `outbox.<group>` beside the producers'.
 */
export class StageWrites {
  /** Per group: its writes' figures, or null for a group without `writes:`. */
  private readonly figures: (ProducerWrites | null)[];
  /** Per consumer instance: its writes, or null. */
  private readonly writes: (CommittedWrites | null)[] = [];
  /** Per consumer instance: the broker's answer to one of its relay's publishes, arriving (confirm, nack). */
  private readonly answers: ({ confirm: (message: number) => void; nack: (message: number) => void } | null)[] = [];
  private readonly fromBroker: (Link | null)[] = [];
  private readonly down: boolean[] = [];
  /** Whether some stage relays from an outbox: then the broker's confirms must travel back to stages. */
  readonly wantsConfirms: boolean;

  constructor(
    private readonly scenario: ParsedScenario,
    private readonly world: { sim: Simulation; messages: MessageTable; streams: RandomStreams },
  ) {
    this.figures = scenario.consumers.map((c) =>
      c.writes === undefined ? null : new ProducerWrites(c.group, c.writes.mode),
    );
    this.wantsConfirms = scenario.consumers.some((c) => c.publishTo !== undefined && c.writes?.mode === "outbox");
  }

  /** Whether the group commits its onward messages in its side effect's transaction, and how. */
  modeOf(group: number): "dual-write" | "outbox" | null {
    return this.scenario.consumers[group]!.writes?.mode ?? null;
  }

  /** Instance `consumer` (named `name`) of `group` gets its writes, drawing its commit round trips from `consumer:<name>:commit`. */
  connect(consumer: number, { group, name }: { group: number; name: string }, links: StageWritesLinks): void {
    const spec = this.scenario.consumers[group]!.writes;
    const figures = this.figures[group];
    this.down[consumer] = false;
    if (spec === undefined || figures === null || figures === undefined) {
      this.writes[consumer] = null;
      this.answers[consumer] = null;
      return;
    }
    const { sim, messages, streams } = this.world;
    const commitLatency = samplerFor(spec.commit, streams.stream(`consumer:${name}:commit`));
    // During the run the relay polls on its cadence; after it, an empty outbox stops it until the next commit.
    const host = { sim, messages, publish: links.publish, commitLatency, committingEnded: () => true };
    const duration = this.scenario.duration;
    const writes =
      spec.mode === "dual-write"
        ? new DualWrite(host, figures.figures)
        : new OutboxRelay({ ...host, committingEnded: () => sim.now >= duration }, spec.relay, figures.figures);
    this.writes[consumer] = writes;
    this.fromBroker[consumer] = links.fromBroker;
    this.answers[consumer] = {
      confirm: (message) => {
        if (!this.down[consumer]) writes.confirmed(message);
      },
      nack: (message) => {
        if (!this.down[consumer]) writes.nacked(message);
      },
    };
    writes.start();
  }

  /** Commits an onward message of `consumer`'s current input, in its side effect's transaction; false without writes. */
  commit(consumer: number, message: number): boolean {
    const writes = this.writes[consumer];
    if (writes === null || writes === undefined) return false;
    writes.commit(message);
    return true;
  }

  /** The broker answered a publish of `consumer`'s writes: the answer travels back over the instance's link. */
  answered(consumer: number, message: number, accepted: boolean): void {
    const answers = this.answers[consumer];
    if (answers === null || answers === undefined || !this.writes[consumer]!.wantsConfirms) return;
    this.fromBroker[consumer]!.send(accepted ? answers.confirm : answers.nack, message);
  }

  /** The instance's process died: its relay with it (committed rows stay), or its dual write's pending publishes are lost. */
  crashed(consumer: number): void {
    const writes = this.writes[consumer];
    if (writes === null || writes === undefined || this.down[consumer]) return;
    this.down[consumer] = true;
    writes.crash();
  }

  /** The instance is back: its relay polls at once. */
  restarted(consumer: number): void {
    const writes = this.writes[consumer];
    if (writes === null || writes === undefined || !this.down[consumer]) return;
    this.down[consumer] = false;
    writes.restart();
  }

  /** The lowest id any instance's writes may still read (a relay's rows and batch), or +Infinity. */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const writes of this.writes) if (writes) oldest = Math.min(oldest, writes.oldestHeld());
    return oldest;
  }

  /** The groups' figures, by group name, with `interval` µs time series if asked. */
  recordSeries(interval: number): void {
    for (const figures of this.figures) figures?.recordSeries(interval);
  }

  results(): Record<string, WritesResult> {
    const results: Record<string, WritesResult> = {};
    for (const figures of this.figures) if (figures !== null) results[figures.name] = figures.result();
    return results;
  }
}
