import type { Simulation } from "../engine/simulation.js";
import { lengthened, withRoomFor } from "../model/growable.js";
import { Fate, type MessageColumn, type MessageTable } from "../model/messages.js";
import type { Lineage } from "../model/stage-publisher.js";
import type { RandomStreams } from "../random/streams.js";
import type { SagaSpec } from "../scenario/sagas.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { type DurationDistribution, DurationTally } from "./saga-durations.js";

/** What a saga group does: carry out step `step` of saga `saga`, or undo it (its compensation). */
interface SagaRole {
  saga: number;
  step: number;
  compensates: boolean;
}

const Phase = { forward: 0, compensating: 1, completed: 2, compensated: 3 } as const;

/**
 * The open saga instances of a run, their fields in typed arrays, each found from its root message (the order
 * that started it) through a column of the root's row. A finished instance's slot is freed for the next saga
 * to start and its root's row marked finished, so the instances are bounded by the open ones, not by the run
 * (docs/design.md, "Memory"); a start sequence number keeps the order they started in. An object, a Map entry,
 * a timeline list and an object per timeline entry were allocated per saga; the timelines' entries are now
 * linked steps reused through a free list, their texts kept by reference.
 */
class SagaInstances {
  /** Slots ever used: the open instances are those below it whose phase is forward or compensating. */
  used = 0;
  private started = 0;
  /** Per root message's row: its instance + 1, FINISHED once that instance finished, 0 for none. */
  private readonly instanceOfRoot: MessageColumn<Int32Array>;
  /**
   * Per message row: the open instance + 1 whose last message sent it is, 0 for none. When the row is retired
   * its fate for the group it went to is final, and is copied (`lastSentFate`): the saga, if stuck at the end,
   * reports it, and holds no row meanwhile.
   */
  private readonly waitingOn: MessageColumn<Int32Array>;
  private freeSlots = new Int32Array(64);
  private freeCount = 0;
  root = new Int32Array(64);
  /** The root's producer, copied at the start: a stuck saga's counter-example names it. */
  producer = new Int32Array(64);
  /** The order the instances started in (the first stuck saga is the earliest started). */
  sequence = new Float64Array(64);
  saga = new Int32Array(64);
  startedAt = new Float64Array(64);
  phase = new Uint8Array(64);
  /** Forward: the step whose command is out. Compensating: the step whose compensation is out. */
  awaiting = new Int32Array(64);
  /** The last command or compensation sent, and the group it went to (for the counter-example). */
  lastSent = new Int32Array(64);
  lastGroup = new Int32Array(64);
  /** The fate of `lastSent` for `lastGroup` once its row was retired, or STILL_IN_TABLE. */
  lastSentFate = new Uint8Array(64);
  /** Each instance's timeline: its first and last entry, or NO_ENTRY. */
  private firstEntry = new Int32Array(64);
  private lastEntry = new Int32Array(64);
  private entryText: string[] = [];
  private entryAt = new Float64Array(64);
  private nextEntry = new Int32Array(64);
  private freeEntry = NO_ENTRY;
  private entriesUsed = 0;

  constructor(private readonly messages: MessageTable) {
    this.instanceOfRoot = messages.column((length) => new Int32Array(length));
    this.waitingOn = messages.column((length) => new Int32Array(length));
    messages.onRetireRange((from, to) => this.copyFates(from, to));
  }

  /** Copies what each open instance will read of its last message sent, among messages `from` to `to` (retired). */
  private copyFates(from: number, to: number): void {
    const { messages } = this;
    const { mask, fate, base } = messages;
    const waiting = this.waitingOn.values;
    for (let message = from; message < to; message++) {
      // (A straggler, below the base, is retired on its own: its row is a spare one.)
      const row = message < base ? messages.slot(message) : message & mask;
      const instance = waiting[row]! - 1;
      if (instance >= 0) this.lastSentFate[instance] = fate[this.lastGroup[instance]!]![row]!;
    }
  }

  /** The fate of the instance's last message sent for the group it went to (Fate). */
  lastSentFateOf(instance: number): number {
    const copied = this.lastSentFate[instance]!;
    if (copied !== STILL_IN_TABLE) return copied;
    return this.messages.fate[this.lastGroup[instance]!]![this.messages.slot(this.lastSent[instance]!)]!;
  }

  /** The open instance `root` started, FINISHED_INSTANCE if it has finished, or NO_INSTANCE. */
  of(root: number): number {
    const stored = this.instanceOfRoot.values[this.messages.slot(root)]!;
    return stored === FINISHED ? FINISHED_INSTANCE : stored - 1;
  }

  add(root: number, saga: number, startedAt: number, lastGroup: number): number {
    const instance = this.freeCount > 0 ? this.freeSlots[--this.freeCount]! : this.used++;
    if (instance >= this.root.length) this.lengthen();
    const row = this.messages.slot(root);
    this.instanceOfRoot.values[row] = instance + 1;
    this.root[instance] = root;
    this.producer[instance] = this.messages.producer[row]!;
    this.sequence[instance] = this.started++;
    this.saga[instance] = saga;
    this.startedAt[instance] = startedAt;
    this.phase[instance] = Phase.forward;
    this.awaiting[instance] = 0;
    this.lastSent[instance] = NO_MESSAGE;
    this.waitOn(instance, root);
    this.lastGroup[instance] = lastGroup;
    this.firstEntry[instance] = NO_ENTRY;
    this.lastEntry[instance] = NO_ENTRY;
    return instance;
  }

  /** The instance sent `message`: it now waits on it (and no longer on the message it sent before). */
  sent(instance: number, message: number): void {
    this.waitOn(instance, message);
  }

  /** The instance now waits on `message` (and no longer on the message it sent before). */
  private waitOn(instance: number, message: number): void {
    this.stopWaiting(instance);
    this.lastSent[instance] = message;
    this.lastSentFate[instance] = STILL_IN_TABLE;
    this.waitingOn.values[this.messages.slot(message)] = instance + 1;
  }

  /** Unmarks the instance's last message sent, if its row is still its own (a retired row serves a newer message). */
  private stopWaiting(instance: number): void {
    const message = this.lastSent[instance]!;
    if (message !== NO_MESSAGE && this.messages.inPlay(message)) this.waitingOn.values[this.messages.slot(message)] = 0;
  }

  /** The instance finished (`phase`): its root's row says so, its timeline is emptied and its slot freed. */
  finish(instance: number, phase: number): void {
    this.phase[instance] = phase;
    this.instanceOfRoot.values[this.messages.slot(this.root[instance]!)] = FINISHED;
    this.stopWaiting(instance);
    this.clearTimeline(instance);
    if (this.freeCount === this.freeSlots.length) this.freeSlots = lengthened(this.freeSlots, this.freeCount * 2);
    this.freeSlots[this.freeCount++] = instance;
  }

  isOpen(instance: number): boolean {
    const phase = this.phase[instance]!;
    return phase === Phase.forward || phase === Phase.compensating;
  }

  /** Adds an entry at the end of the instance's timeline. */
  note(instance: number, what: string, atMicros: number): void {
    const entry = this.takeEntry();
    this.entryText[entry] = what;
    this.entryAt[entry] = atMicros;
    this.nextEntry[entry] = NO_ENTRY;
    const last = this.lastEntry[instance]!;
    if (last === NO_ENTRY) this.firstEntry[instance] = entry;
    else this.nextEntry[last] = entry;
    this.lastEntry[instance] = entry;
  }

  /** Empties the instance's timeline (a finished saga's is never read). */
  private clearTimeline(instance: number): void {
    const first = this.firstEntry[instance]!;
    if (first === NO_ENTRY) return;
    this.nextEntry[this.lastEntry[instance]!] = this.freeEntry;
    this.freeEntry = first;
    this.firstEntry[instance] = NO_ENTRY;
    this.lastEntry[instance] = NO_ENTRY;
  }

  /** The instance's timeline, oldest first (new objects: only for a counter-example). */
  timeline(instance: number): { what: string; atMicros: number }[] {
    const timeline: { what: string; atMicros: number }[] = [];
    for (let entry = this.firstEntry[instance]!; entry !== NO_ENTRY; entry = this.nextEntry[entry]!)
      timeline.push({ what: this.entryText[entry]!, atMicros: this.entryAt[entry]! });
    return timeline;
  }

  private takeEntry(): number {
    if (this.freeEntry !== NO_ENTRY) {
      const entry = this.freeEntry;
      this.freeEntry = this.nextEntry[entry]!;
      return entry;
    }
    const entry = this.entriesUsed++;
    if (entry >= this.entryAt.length) {
      this.entryAt = withRoomFor(this.entryAt, entry);
      this.nextEntry = withRoomFor(this.nextEntry, entry);
    }
    return entry;
  }

  private lengthen(): void {
    const length = this.root.length * 2;
    this.root = lengthened(this.root, length);
    this.producer = lengthened(this.producer, length);
    this.sequence = lengthened(this.sequence, length);
    this.saga = lengthened(this.saga, length);
    this.startedAt = lengthened(this.startedAt, length);
    this.phase = lengthened(this.phase, length);
    this.awaiting = lengthened(this.awaiting, length);
    this.lastSent = lengthened(this.lastSent, length);
    this.lastGroup = lengthened(this.lastGroup, length);
    this.lastSentFate = lengthened(this.lastSentFate, length);
    this.firstEntry = lengthened(this.firstEntry, length);
    this.lastEntry = lengthened(this.lastEntry, length);
  }
}

/** A root's row once its instance finished (SagaInstances.instanceOfRoot). */
const FINISHED = -1;
/** What `SagaInstances.of` answers for a root that started no instance, and for one whose instance finished. */
const NO_INSTANCE = -1;
const FINISHED_INSTANCE = -2;
/** `SagaInstances.lastSentFate` of a message whose row is still in the table (a Fate is smaller). */
const STILL_IN_TABLE = 255;
/** `SagaInstances.lastSent` of an instance being added, before it waits on its root. */
const NO_MESSAGE = -1;

/** No timeline entry: the end of a timeline, or of the free list. */
const NO_ENTRY = -1;

/** One saga's outcomes over the run (docs/output.md, "sagas"). */
export interface SagaFigures {
  started: number;
  completed: number;
  compensated: number;
  stuck: number;
  inFlight: number;
  compensatedTwice: number;
  duplicateSteps: number;
  compensationsSent: number;
  compensationsApplied: number;
  compensationsLost: number;
  /** From the root's publish to completion or the last compensation, in µs, finished sagas only. */
  durations: DurationDistribution;
  /** The first stuck saga: its root message and step timeline. */
  stuckExample: { root: number; producer: number; timeline: { what: string; atMicros: number }[] } | null;
}

/**
 * The sagas' coordinator. The run calls `next` when a saga group's consumer has applied its side effect;
 * it answers the group to publish to (the next step's command, or the next compensation) or -1. Its state
 * per saga is the orchestrator's: a reply that does not match what the saga awaits is a duplicate and
 * changes nothing (a compensation applied again is counted `compensatedTwice`).
 */
export class SagaCoordinator {
  private readonly specs: SagaSpec[];
  private readonly names: string[];
  private readonly roles: (SagaRole | null)[];
  private readonly groupOf: { step: number[]; compensate: number[] }[];
  private readonly failureDraws: ((() => number) | null)[][];
  private readonly instances: SagaInstances;
  private readonly figures: Omit<SagaFigures, "stuck" | "inFlight" | "durations" | "stuckExample">[];
  /** Per saga, the durations of its finished instances: a count per distinct duration. */
  private readonly durations: DurationTally[];
  /**
   * Per compensation message's row: its target group + 1 (0 for any other message). Whether it was ever consumed
   * is judged when its row is retired (its fate is final then) or, for the rows left, at the end of the run: a
   * list of every compensation sent was kept for the whole run.
   */
  private readonly compensationTarget: MessageColumn<Int32Array>;

  constructor(
    scenario: ParsedScenario,
    private readonly world: { sim: Simulation; messages: MessageTable; streams: RandomStreams; lineage: Lineage },
  ) {
    const groups = scenario.consumers.map((c) => c.group);
    const entries = Object.entries(scenario.sagas ?? {});
    this.names = entries.map(([name]) => name);
    this.specs = entries.map(([, spec]) => spec);
    this.roles = groups.map(() => null);
    this.groupOf = this.specs.map((spec, saga) => {
      const step = spec.steps.map((s) => groups.indexOf(s.group));
      const compensate = spec.steps.map((s) => (s.compensate === undefined ? -1 : groups.indexOf(s.compensate)));
      step.forEach((group, index) => {
        this.roles[group] = { saga, step: index, compensates: false };
      });
      compensate.forEach((group, index) => {
        if (group >= 0) this.roles[group] = { saga, step: index, compensates: true };
      });
      return { step, compensate };
    });
    this.failureDraws = this.specs.map((spec, saga) =>
      spec.steps.map((s) =>
        s.failure > 0 ? world.streams.stream(`saga:${this.names[saga]}:${s.group}:failure`) : null,
      ),
    );
    this.figures = this.specs.map(() => ({
      started: 0,
      completed: 0,
      compensated: 0,
      compensatedTwice: 0,
      duplicateSteps: 0,
      compensationsSent: 0,
      compensationsApplied: 0,
      compensationsLost: 0,
    }));
    this.durations = this.specs.map(() => new DurationTally());
    this.instances = new SagaInstances(world.messages);
    this.compensationTarget = world.messages.column((length) => new Int32Array(length));
    world.messages.onRetireRange((from, to) => this.judgeCompensations(from, to));
  }

  /** Counts the compensations among messages `from` up to `to` (exclusive) that their group never consumed. */
  private judgeCompensations(from: number, to: number): void {
    const { messages } = this.world;
    const targets = this.compensationTarget.values;
    const { mask, base } = messages;
    for (let message = from; message < to; message++) {
      // (A straggler, below the base, is judged on its own: its row is a spare one.)
      const row = message < base ? messages.slot(message) : message & mask;
      const target = targets[row]!;
      if (target === 0) continue;
      const group = target - 1;
      if (messages.consumedBy[group]![row]! > 0) continue;
      this.figures[this.roles[group]!.saga]!.compensationsLost++;
    }
  }

  /** Whether `group` plays a part in some saga (its consumers then report to the coordinator). */
  plays(group: number): boolean {
    return this.roles[group] !== null && this.roles[group] !== undefined;
  }

  /** The last step of each saga: where a saga's flow ends (the pipeline's last stages). */
  isLastStep(group: number): boolean {
    const role = this.roles[group];
    return (
      role !== null && role !== undefined && !role.compensates && role.step === this.specs[role.saga]!.steps.length - 1
    );
  }

  /** Groups that consume only what the coordinator sends: every saga group but the first steps'. */
  fedGroups(): number[] {
    const fed: number[] = [];
    this.roles.forEach((role, group) => {
      if (role !== null && (role.compensates || role.step > 0)) fed.push(group);
    });
    return fed;
  }

  /** Group `group` applied the side effect of `message`: the group the coordinator publishes to next, or -1. */
  next(group: number, message: number): number {
    const role = this.roles[group];
    if (role === null || role === undefined) return -1;
    const root = this.world.lineage.rootOf(message);
    if (role.compensates) return this.compensationApplied(role, root, message);
    const { instances } = this;
    if (role.step === 0 && instances.of(root) === NO_INSTANCE) this.start(role.saga, root);
    const instance = instances.of(root);
    // A finished saga (FINISHED_INSTANCE) moved on too: the step's command was consumed again.
    if (instance < 0 || instances.phase[instance] !== Phase.forward || instances.awaiting[instance] !== role.step) {
      this.figures[role.saga]!.duplicateSteps++;
      return -1;
    }
    const draw = this.failureDraws[role.saga]![role.step];
    if (draw !== null && draw !== undefined && draw() < this.specs[role.saga]!.steps[role.step]!.failure)
      return this.failed(instance, role.step, this.text(group, Text.failed));
    this.note(instance, this.text(group, Text.done));
    const steps = this.groupOf[role.saga]!.step;
    if (role.step === steps.length - 1) return this.finish(instance, Phase.completed);
    instances.awaiting[instance] = role.step + 1;
    return this.sending(instance, steps[role.step + 1]!, Text.commandSent);
  }

  /**
   * Group `group` gave up on `message` (its retry policy dead-lettered, parked or dropped it): a step that
   * gave up failed, and is compensated as a business failure is; a compensation that gave up leaves its
   * saga stuck. Answers the group to publish to, or -1.
   */
  gaveUp(group: number, message: number): number {
    const role = this.roles[group];
    if (role === null || role === undefined) return -1;
    const root = this.world.lineage.rootOf(message);
    const { instances } = this;
    if (!role.compensates && role.step === 0 && instances.of(root) === NO_INSTANCE) this.start(role.saga, root);
    const instance = instances.of(root);
    if (instance < 0 || instances.awaiting[instance] !== role.step) return -1;
    if (role.compensates) {
      if (instances.phase[instance] === Phase.compensating)
        this.note(instance, this.text(group, Text.compensationGaveUp));
      return -1;
    }
    if (instances.phase[instance] !== Phase.forward) return -1;
    return this.failed(instance, role.step, this.text(group, Text.stepGaveUp));
  }

  /** Step `step` failed: compensate the steps before it, newest first. */
  private failed(instance: number, step: number, what: string): number {
    this.note(instance, what);
    this.instances.phase[instance] = Phase.compensating;
    return this.nextCompensation(instance, step - 1);
  }

  /** The coordinator published `message` (the command or compensation `next` answered). */
  sent(root: number, message: number): void {
    const { instances } = this;
    const instance = instances.of(root);
    if (instance < 0) return;
    instances.sent(instance, message);
    if (instances.phase[instance] === Phase.compensating)
      this.compensationTarget.values[this.world.messages.slot(message)] = instances.lastGroup[instance]! + 1;
  }

  private start(saga: number, root: number): void {
    this.figures[saga]!.started++;
    const { messages } = this.world;
    const publishedAt = messages.intendedAt[messages.slot(root)]!;
    const instance = this.instances.add(root, saga, publishedAt, this.groupOf[saga]!.step[0]!);
    this.instances.note(instance, "root message published", publishedAt);
  }

  private compensationApplied(role: SagaRole, root: number, message: number): number {
    const { instances } = this;
    const instance = instances.of(root);
    const figures = this.figures[role.saga]!;
    const group = this.groupOf[role.saga]!.compensate[role.step]!;
    if (
      instance < 0 ||
      instances.phase[instance] !== Phase.compensating ||
      instances.awaiting[instance] !== role.step
    ) {
      // The same compensation consumed again (a redelivery without idempotency): the refund paid twice.
      const { messages } = this.world;
      if (messages.consumedBy[group]![messages.slot(message)]! > 1) figures.compensatedTwice++;
      else figures.duplicateSteps++;
      return -1;
    }
    figures.compensationsApplied++;
    this.note(instance, this.text(group, Text.applied));
    return this.nextCompensation(instance, role.step - 1);
  }

  /** Undo the completed steps newest first: the next step at or before `from` that has a compensation. */
  private nextCompensation(instance: number, from: number): number {
    const saga = this.instances.saga[instance]!;
    const compensate = this.groupOf[saga]!.compensate;
    let step = from;
    while (step >= 0 && compensate[step]! < 0) step--;
    if (step < 0) return this.finish(instance, Phase.compensated);
    this.instances.awaiting[instance] = step;
    this.figures[saga]!.compensationsSent++;
    return this.sending(instance, compensate[step]!, Text.compensationSent);
  }

  /** Sends the command (or compensation, `what`) to `group`. */
  private sending(instance: number, group: number, what: number): number {
    this.instances.lastGroup[instance] = group;
    this.note(instance, this.text(group, what));
    return group;
  }

  private finish(instance: number, phase: number): number {
    const { instances } = this;
    const saga = instances.saga[instance]!;
    const figures = this.figures[saga]!;
    if (phase === Phase.completed) figures.completed++;
    else figures.compensated++;
    this.durations[saga]!.add(this.world.sim.now - instances.startedAt[instance]!);
    instances.finish(instance, phase);
    return -1;
  }

  private note(instance: number, what: string): void {
    this.instances.note(instance, what, this.world.sim.now);
  }

  /** A timeline's text about `group`, written once per (group, kind), where each step wrote its own. */
  private text(group: number, kind: number): string {
    const index = group * TEXT_KINDS + kind;
    this.texts[index] ??= sagaText(this.groupName(group), kind);
    return this.texts[index]!;
  }

  private groupName(group: number): string {
    return this.groupNames[group] ?? String(group);
  }

  private groupNames: string[] = [];
  private texts: (string | undefined)[] = [];

  /** Names groups in timelines. */
  nameGroups(names: string[]): void {
    this.groupNames = names;
    this.texts = [];
  }

  /** Each saga's figures at the end of the run (`now`): unfinished sagas older than the timeout are stuck. */
  finishRun(now: number): Record<string, SagaFigures> {
    const { instances } = this;
    const stuck = this.specs.map(() => 0);
    const inFlight = this.specs.map(() => 0);
    // Per saga, the earliest started of its stuck instances (slots are reused: the start sequence orders them).
    const firstStuck = this.specs.map(() => -1);
    for (let instance = 0; instance < instances.used; instance++) {
      if (!instances.isOpen(instance)) continue;
      const saga = instances.saga[instance]!;
      if (now - instances.startedAt[instance]! < this.specs[saga]!.timeout) {
        inFlight[saga]!++;
        continue;
      }
      stuck[saga]!++;
      const first = firstStuck[saga]!;
      if (first === -1 || instances.sequence[instance]! < instances.sequence[first]!) firstStuck[saga] = instance;
    }
    const { messages } = this.world;
    for (const straggler of messages.stragglerIds()) this.judgeCompensations(straggler, straggler + 1);
    this.judgeCompensations(messages.base, messages.count);
    const result: Record<string, SagaFigures> = {};
    this.names.forEach((name, saga) => {
      const example = firstStuck[saga]!;
      result[name] = {
        ...this.figures[saga]!,
        stuck: stuck[saga]!,
        inFlight: inFlight[saga]!,
        durations: this.durations[saga]!.distribution(),
        stuckExample:
          example === -1
            ? null
            : {
                root: instances.root[example]!,
                producer: instances.producer[example]!,
                timeline: this.stuckTimeline(example, now),
              },
      };
    });
    return result;
  }

  /** A stuck saga's timeline, ending with what became of the message it still waits on. */
  private stuckTimeline(instance: number, now: number): { what: string; atMicros: number }[] {
    const { instances } = this;
    const lastSent = instances.lastSent[instance]!;
    const lastGroup = instances.lastGroup[instance]!;
    const fate = instances.lastSentFateOf(instance);
    const what = fate === Fate.deadLettered ? "dead-lettered" : fate === Fate.dropped ? "dropped" : "not consumed";
    const target = this.groupName(lastGroup);
    return [
      ...instances.timeline(instance),
      { what: `message ${lastSent} to ${target}: ${what}, no answer by the end of the run`, atMicros: now },
    ];
  }
}

/** What a timeline says about a group: kinds of text (SagaCoordinator.text). */
const Text = {
  done: 0,
  failed: 1,
  stepGaveUp: 2,
  compensationGaveUp: 3,
  applied: 4,
  commandSent: 5,
  compensationSent: 6,
} as const;
const TEXT_KINDS = 7;

function sagaText(name: string, kind: number): string {
  switch (kind) {
    case Text.done:
      return `${name} done`;
    case Text.failed:
      return `${name} failed`;
    case Text.stepGaveUp:
      return `${name} gave up after its retries`;
    case Text.compensationGaveUp:
      return `${name} gave up: the compensation is not applied`;
    case Text.applied:
      return `${name} applied`;
    case Text.commandSent:
      return `command to ${name} sent`;
    default:
      return `compensation to ${name} sent`;
  }
}
