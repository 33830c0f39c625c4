import type { EventHandler } from "../engine/event-queue.js";
import type { Simulation } from "../engine/simulation.js";
import { StageRecorder } from "../metrics/stages.js";
import { IntMap } from "../model/int-map.js";
import { Fate, type MessageColumn, type MessageTable } from "../model/messages.js";
import type { Link } from "../model/network.js";
import type { RunObserver } from "../model/observer.js";
import type { PublisherGate } from "../model/publisher-gate.js";
import { Lineage, type StagePublisher } from "../model/stage-publisher.js";
import type { RandomStreams } from "../random/streams.js";
import { weightedPicker } from "../random/weighted.js";
import { type Onward, targetsOf } from "../scenario/flows.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { Gather } from "./gather.js";
import { SagaCoordinator } from "./sagas.js";
import { StageWrites } from "./stage-writes.js";

/** Fibonacci hashing: spreads consecutive keys evenly over [0, 1) so `by: key` keeps one route per key. */
const GOLDEN_FRACTION = 0.6180339887498949;

/** One stage's onward publishing, resolved to group indices, with its draws from its own streams. */
type StageRule = (parent: number) => { groups: number[]; counts: number[] };

/**
 * The run's side of pipelines: it addresses every message to the groups that should get it (a
 * producer's message to the groups no stage feeds, an onward message to its target only) before the
 * broker sees it, and publishes what stages send onward. Built only when the scenario has stages.
 */
export class StageFlows implements StagePublisher {
  readonly lineage: Lineage;
  /** The sagas' coordinator, when the scenario declares sagas: it decides what saga groups publish. */
  readonly sagas: SagaCoordinator | null;
  readonly recorder: StageRecorder;
  private readonly rules: (StageRule | null)[];
  /** Per group: its fan-in, when it gathers parts. */
  readonly gathers: (Gather | null)[];
  /** The groups some stage publishes to, ascending. */
  readonly fedGroups: number[];
  /** Per onward message: the consumer instance that published it, and that instance's incarnation then. */
  private readonly publisherColumn: MessageColumn<Int32Array>;
  private readonly incarnationColumn: MessageColumn<Int32Array>;
  /** Per onward message: the stages its flow passed through since its root (a producer's message: 0). */
  private readonly hopsColumn: MessageColumn<Int32Array>;
  /** Per group: its maxHops, or 0 for none; and the inputs it did not publish onward for because of it. */
  private readonly maxHops: number[];
  readonly hopLimited: number[];
  /** The stages' dual writes and outboxes, when some group declares `writes:`. */
  readonly writes: StageWrites | null;
  /**
   * Copies of onward messages on their way to the broker, until it answers each, when some stage relays from an
   * outbox: a relay sends a row again after a crash or a nack, and that copy may reach the broker after the first
   * was answered and its row retired (as a producer's `onWire`). Null otherwise.
   */
  private readonly onWire: IntMap | null;
  private readonly groupOfConsumer: number[];
  private readonly toBroker: Link[] = [];
  private ingress: EventHandler | null = null;
  /** The run's observers (they include `recorder`) and the publisher gate, which exist only after the recorder. */
  private wired: { observer: RunObserver; gate: PublisherGate; incarnations: Int32Array } | null = null;

  constructor(
    scenario: ParsedScenario,
    private readonly world: { sim: Simulation; messages: MessageTable; streams: RandomStreams },
  ) {
    this.lineage = new Lineage(world.messages);
    const column = () => world.messages.column((length) => new Int32Array(length));
    this.publisherColumn = column();
    this.incarnationColumn = column();
    this.hopsColumn = column();
    const groups = scenario.consumers.map((c) => c.group);
    const indexOf = (name: string) => groups.indexOf(name);
    const sagas =
      Object.keys(scenario.sagas ?? {}).length === 0
        ? null
        : new SagaCoordinator(scenario, { ...world, lineage: this.lineage });
    sagas?.nameGroups(groups);
    this.sagas = sagas;
    this.rules = scenario.consumers.map((c, group) =>
      sagas?.plays(group) === true
        ? sagaRule(sagas, group)
        : c.publishTo === undefined
          ? null
          : stageRule(c.publishTo, c.group, indexOf, world),
    );
    const fed = new Set(scenario.consumers.flatMap((c) => (c.publishTo ? targetsOf(c.publishTo).map(indexOf) : [])));
    for (const group of sagas?.fedGroups() ?? []) fed.add(group);
    this.fedGroups = [...fed].sort((a, b) => a - b);
    const lastStage = scenario.consumers.map((c, group) =>
      sagas?.plays(group) === true ? sagas.isLastStep(group) : c.publishTo === undefined && fed.has(group),
    );
    const warmup = typeof scenario.warmup === "number" ? scenario.warmup : 0;
    this.gathers = scenario.consumers.map((c) =>
      c.gather === undefined ? null : new Gather(world.sim, world.messages, c.gather.parts, c.gather.timeout),
    );
    const gathering = this.gathers.map((g) => g !== null);
    this.recorder = new StageRecorder(world.messages, this.lineage, {
      lastStage,
      gathering,
      warmup,
      duration: scenario.duration,
    });
    this.groupOfConsumer = scenario.consumers.flatMap((spec, group) => Array<number>(spec.instances).fill(group));
    this.maxHops = scenario.consumers.map((c) => c.maxHops ?? 0);
    this.hopLimited = scenario.consumers.map(() => 0);
    this.writes = scenario.consumers.some((c) => c.writes !== undefined) ? new StageWrites(scenario, world) : null;
    this.onWire = this.writes?.wantsConfirms === true ? new IntMap() : null;
  }

  wire(observer: RunObserver, gate: PublisherGate, incarnations: Int32Array): void {
    this.wired = { observer, gate, incarnations };
  }

  /**
   * The consumer instance (and its incarnation) that published an onward message; null for a producer's message.
   * One record, rewritten by each call (an object per call allocated on every onward message): read it at once.
   */
  publisherOf(message: number): { consumer: number; incarnation: number } | null {
    if (!this.lineage.isOnward(message)) return null;
    const row = this.world.messages.slot(message);
    this.publisher.consumer = this.publisherColumn.values[row]!;
    this.publisher.incarnation = this.incarnationColumn.values[row]!;
    return this.publisher;
  }

  private readonly publisher = { consumer: 0, incarnation: 0 };

  /**
   * Consumer `index` publishes onward over `toBroker`, its link to the broker; with `writes:`, its dual write or
   * relay hears the broker over `fromBroker`.
   */
  connect(index: number, toBroker: Link, instance: { name: string; fromBroker: Link }): void {
    this.toBroker[index] = toBroker;
    const group = this.groupOfConsumer[index]!;
    this.writes?.connect(
      index,
      { group, name: instance.name },
      {
        publish: (message) => this.transmit(index, message),
        fromBroker: instance.fromBroker,
      },
    );
  }

  /** How consumer `consumer`'s stage writes its onward messages (null: published after the effect, no transaction). */
  writesOf(consumer: number): "dual-write" | "outbox" | null {
    return this.writes?.modeOf(this.groupOfConsumer[consumer]!) ?? null;
  }

  crashed(consumer: number): void {
    this.writes?.crashed(consumer);
  }

  restarted(consumer: number): void {
    this.writes?.restarted(consumer);
  }

  /**
   * The broker answered the publish of an onward message: its publisher's relay, if any, hears of it. `answered`
   * is false for a delay stage's hold, which confirms the publish before the copy is answered.
   */
  answered(message: number, accepted: boolean, answered: boolean): void {
    if (answered) this.copyAnswered(message);
    if (this.writes === null || !this.writes.wantsConfirms) return;
    this.writes.answered(this.publisherColumn.values[this.world.messages.slot(message)]!, message, accepted);
  }

  /**
   * The lowest id the stages may still read: a gather's open set's root (its timeout closes the set in the root's
   * row), a relay's rows and batch, a copy on its way; or +Infinity.
   */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const gather of this.gathers) if (gather !== null) oldest = Math.min(oldest, gather.oldestHeld());
    if (this.writes !== null) oldest = Math.min(oldest, this.writes.oldestHeld());
    if (this.onWire !== null) oldest = Math.min(oldest, this.onWire.smallestKey());
    return oldest;
  }

  /** One copy of `message` is no longer on its way: the broker answered it, or the link lost it. */
  private copyAnswered(message: number): void {
    const copies = this.onWire?.get(message);
    if (copies === undefined) return;
    if (copies === 1) this.onWire!.delete(message);
    else this.onWire!.set(message, copies - 1);
  }

  /** Keeps the roots of the messages kept: a flow's state (completed, a gather's set) lives in its root's row. */
  keptFrom(watermark: number): number {
    return this.lineage.keptFrom(watermark);
  }

  /** A message leads back to its root, whose row keeps its flow's state. */
  leadsTo(message: number): number {
    return this.lineage.rootOf(message);
  }

  /** The stages passed through since its root: 0 for a producer's message. */
  hopsOf(message: number): number {
    return this.hopsColumn.values[this.world.messages.slot(message)]!;
  }

  /**
   * Stages publish to the broker's intake `ingress`, as producers do. Returns the producers' intake:
   * their messages go to every group no stage feeds.
   */
  producerIngress(ingress: EventHandler): EventHandler {
    this.ingress = ingress;
    const { messages } = this.world;
    const fed = this.fedGroups;
    return (message: number) => {
      const row = messages.slot(message);
      for (const group of fed) messages.fate[group]![row] = Fate.notRouted;
      ingress(message);
    };
  }

  publishOnward(parent: number, consumer: number): void {
    const group = this.groupOfConsumer[consumer]!;
    const gather = this.gathers[group];
    if (gather !== null && gather !== undefined && !this.completesSet(gather, group, parent)) return;
    const rule = this.rules[group];
    if (rule === null || rule === undefined) return;
    if (this.maxHops[group]! > 0 && this.hopsOf(parent) >= this.maxHops[group]!) {
      // The bound of a cycle: this input's flow ends here, with nothing published onward.
      this.hopLimited[group]!++;
      this.recorder.flowEnded(parent, this.world.sim.now);
      return;
    }
    const { groups, counts } = rule(parent);
    let outputs = 0;
    for (let target = 0; target < groups.length; target++) {
      for (let n = 0; n < counts[target]!; n++) {
        const id = this.send(parent, groups[target]!, consumer);
        this.sagas?.sent(this.lineage.rootOf(parent), id);
      }
      outputs += counts[target]!;
    }
    this.recorder.publishedOnward(group, outputs);
  }

  /** A saga step that gave up failed: its coordinator answers the first compensation to send, if any. */
  gaveUp(parent: number, consumer: number): void {
    if (this.sagas === null) return;
    const group = this.groupOfConsumer[consumer]!;
    const target = this.sagas.gaveUp(group, parent);
    if (target < 0) return;
    this.sagas.sent(this.lineage.rootOf(parent), this.send(parent, target, consumer));
    this.recorder.publishedOnward(group, 1);
  }

  /**
   * A gathering group publishes onward once per set, when its last part is consumed. A part consumed
   * again (a redelivery whose effect applied twice) is not a new part.
   */
  private completesSet(gather: Gather, group: number, part: number): boolean {
    const { messages, sim } = this.world;
    if (messages.consumedBy[group]![messages.slot(part)]! > 1) return false;
    const root = this.lineage.rootOf(part);
    if (!gather.part(root)) return false;
    this.recorder.setCompleted(group, part, sim.now);
    return true;
  }

  /** The group an onward message is addressed to, or -1 for a producer's message. */
  targetOf(message: number): number {
    if (!this.lineage.isOnward(message)) return -1;
    const { messages } = this.world;
    for (let group = 0; group < messages.fate.length; group++) if (messages.addressedTo(message, group)) return group;
    return -1;
  }

  /** A new message with its own id, addressed to `target` only, sent like a producer's publish. */
  private send(parent: number, target: number, consumer: number): number {
    const { messages, sim } = this.world;
    const { observer, incarnations } = this.wired!;
    const from = messages.slot(parent);
    // Its latency counts from the root's publish (which every message of the flow carries): a stage's figures
    // say how long the flow took to get there.
    const id = messages.create(
      messages.intendedAt[from]!,
      messages.producer[from]!,
      messages.key[from]!,
      messages.size[from]!,
    );
    // The parent's row is read before the new message's is written: creating may grow the table.
    const hops = this.hopsOf(parent) + 1;
    this.lineage.record(id, parent);
    const row = messages.slot(id);
    this.publisherColumn.values[row] = consumer;
    this.incarnationColumn.values[row] = incarnations[consumer]!;
    this.hopsColumn.values[row] = hops;
    for (let group = 0; group < messages.fate.length; group++)
      if (group !== target) messages.fate[group]![row] = Fate.notRouted;
    observer.published(id, sim.now);
    // With writes, the message is committed with the side effect: the dual write or relay publishes it later.
    if (this.writes?.commit(consumer, id) !== true) this.transmit(consumer, id);
    return id;
  }

  /** Sends an onward message of `consumer` to the broker now. */
  private transmit(consumer: number, id: number): void {
    this.wired!.gate.inTransit++;
    const toBroker = this.toBroker[consumer]!;
    const onWire = this.onWire;
    if (onWire === null) {
      toBroker.send(this.ingress!, id);
      return;
    }
    onWire.set(id, (onWire.get(id) ?? 0) + 1);
    const lostBefore = toBroker.lost;
    toBroker.send(this.ingress!, id);
    // A copy the link lost is never answered: it is on its way no longer (kept, it would pin the watermark).
    if (toBroker.lost !== lostBefore) this.copyAnswered(id);
  }
}

const NOTHING_ONWARD = { groups: [] as number[], counts: [] as number[] };

/** A saga group publishes what the coordinator answers: one command or compensation, or nothing. */
function sagaRule(sagas: SagaCoordinator, group: number): StageRule {
  const toOne = oneMessageTo();
  return (parent) => {
    const target = sagas.next(group, parent);
    return target < 0 ? NOTHING_ONWARD : toOne(target);
  };
}

/**
 * One message to a group: the answer made once per group, where a rule made an object and two arrays per input.
 * publishOnward only reads an answer.
 */
function oneMessageTo(): (group: number) => { groups: number[]; counts: number[] } {
  const made: ({ groups: number[]; counts: number[] } | undefined)[] = [];
  return (group) => {
    made[group] ??= { groups: [group], counts: [1] };
    return made[group]!;
  };
}

/** How one stage picks its targets and counts for each input. */
function stageRule(
  onward: Onward,
  name: string,
  indexOf: (group: string) => number,
  world: { messages: MessageTable; streams: RandomStreams },
): StageRule {
  if (onward.kind === "choose") {
    const entries = onward.weights.map(([group, weight]) => [indexOf(group), weight] as const);
    const byKey = onward.by === "key";
    let keyed = 0;
    const pick = weightedPicker(entries, byKey ? () => keyed : world.streams.stream(`stage:${name}:route`));
    const random = byKey ? world.streams.stream(`stage:${name}:route`) : null;
    const toOne = oneMessageTo();
    return (parent) => {
      const key = world.messages.key[world.messages.slot(parent)]!;
      // A message without a key has no route of its own: it is drawn at random.
      if (random !== null) keyed = key < 0 ? random() : (key * GOLDEN_FRACTION) % 1;
      return toOne(pick());
    };
  }
  const groups = onward.targets.map((t) => indexOf(t.group));
  const counters = onward.targets.map((target) =>
    "fixed" in target.count
      ? (() => {
          const fixed = (target.count as { fixed: number }).fixed;
          return () => fixed;
        })()
      : weightedPicker(target.count.weights, world.streams.stream(`stage:${name}:count:${target.group}`)),
  );
  const counts = groups.map(() => 0);
  // One answer, its counts rewritten per input (they always were: only the object was new each time).
  const answer = { groups, counts };
  return () => {
    for (let target = 0; target < counters.length; target++) counts[target] = counters[target]!();
    return answer;
  };
}
