import type { Simulation } from "../engine/simulation.js";
import { Fate, type MessageTable } from "../model/messages.js";
import type { Lineage } from "../model/stage-publisher.js";
import type { RandomStreams } from "../random/streams.js";
import type { SagaSpec } from "../scenario/sagas.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** What a saga group does: carry out step `step` of saga `saga`, or undo it (its compensation). */
interface SagaRole {
  saga: number;
  step: number;
  compensates: boolean;
}

const Phase = { forward: 0, compensating: 1, completed: 2, compensated: 3 } as const;

/** One saga instance, keyed by the root message (the order) that started it. */
interface SagaInstance {
  saga: number;
  startedAt: number;
  phase: number;
  /** Forward: the step whose command is out. Compensating: the step whose compensation is out. */
  awaiting: number;
  /** The last command or compensation sent, and the group it went to (for the counter-example). */
  lastSent: number;
  lastGroup: number;
  timeline: { what: string; atMicros: number }[];
}

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
  /** From the root's publish to completion or the last compensation, in µs, finished sagas only, sorted. */
  durations: number[];
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
  private readonly instances = new Map<number, SagaInstance>();
  private readonly figures: Omit<SagaFigures, "stuck" | "inFlight" | "durations" | "stuckExample">[];
  private readonly durations: number[][];
  /** Compensation messages sent, with their target group, to count those never applied. */
  private readonly compensations: [message: number, group: number][] = [];

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
    this.durations = this.specs.map(() => []);
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
    if (role.step === 0 && !this.instances.has(root)) this.start(role.saga, root);
    const instance = this.instances.get(root);
    if (instance === undefined || instance.phase !== Phase.forward || instance.awaiting !== role.step) {
      this.figures[role.saga]!.duplicateSteps++;
      return -1;
    }
    const name = this.groupName(group);
    const draw = this.failureDraws[role.saga]![role.step];
    if (draw !== null && draw !== undefined && draw() < this.specs[role.saga]!.steps[role.step]!.failure)
      return this.failed(instance, role.step, `${name} failed`);
    this.note(instance, `${name} done`);
    const steps = this.groupOf[role.saga]!.step;
    if (role.step === steps.length - 1) return this.finish(instance, Phase.completed);
    instance.awaiting = role.step + 1;
    return this.sending(instance, steps[role.step + 1]!, `command to ${this.groupName(steps[role.step + 1]!)}`);
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
    if (!role.compensates && role.step === 0 && !this.instances.has(root)) this.start(role.saga, root);
    const instance = this.instances.get(root);
    if (instance === undefined || instance.awaiting !== role.step) return -1;
    const name = this.groupName(group);
    if (role.compensates) {
      if (instance.phase === Phase.compensating)
        this.note(instance, `${name} gave up: the compensation is not applied`);
      return -1;
    }
    if (instance.phase !== Phase.forward) return -1;
    return this.failed(instance, role.step, `${name} gave up after its retries`);
  }

  /** Step `step` failed: compensate the steps before it, newest first. */
  private failed(instance: SagaInstance, step: number, what: string): number {
    this.note(instance, what);
    instance.phase = Phase.compensating;
    return this.nextCompensation(instance, step - 1);
  }

  /** The coordinator published `message` (the command or compensation `next` answered). */
  sent(root: number, message: number): void {
    const instance = this.instances.get(root);
    if (instance === undefined) return;
    instance.lastSent = message;
    if (instance.phase === Phase.compensating) this.compensations.push([message, instance.lastGroup]);
  }

  private start(saga: number, root: number): void {
    this.figures[saga]!.started++;
    const { messages } = this.world;
    this.instances.set(root, {
      saga,
      startedAt: messages.intendedAt[messages.slot(root)]!,
      phase: Phase.forward,
      awaiting: 0,
      lastSent: root,
      lastGroup: this.groupOf[saga]!.step[0]!,
      timeline: [{ what: "root message published", atMicros: messages.intendedAt[messages.slot(root)]! }],
    });
  }

  private compensationApplied(role: SagaRole, root: number, message: number): number {
    const instance = this.instances.get(root);
    const figures = this.figures[role.saga]!;
    if (instance === undefined || instance.phase !== Phase.compensating || instance.awaiting !== role.step) {
      // The same compensation consumed again (a redelivery without idempotency): the refund paid twice.
      if (this.world.messages.consumedBy[this.groupOf[role.saga]!.compensate[role.step]!]![message]! > 1)
        figures.compensatedTwice++;
      else figures.duplicateSteps++;
      return -1;
    }
    figures.compensationsApplied++;
    this.note(instance, `${this.groupName(this.groupOf[role.saga]!.compensate[role.step]!)} applied`);
    return this.nextCompensation(instance, role.step - 1);
  }

  /** Undo the completed steps newest first: the next step at or before `from` that has a compensation. */
  private nextCompensation(instance: SagaInstance, from: number): number {
    const compensate = this.groupOf[instance.saga]!.compensate;
    let step = from;
    while (step >= 0 && compensate[step]! < 0) step--;
    if (step < 0) return this.finish(instance, Phase.compensated);
    instance.awaiting = step;
    this.figures[instance.saga]!.compensationsSent++;
    return this.sending(instance, compensate[step]!, `compensation to ${this.groupName(compensate[step]!)}`);
  }

  private sending(instance: SagaInstance, group: number, what: string): number {
    instance.lastGroup = group;
    this.note(instance, `${what} sent`);
    return group;
  }

  private finish(instance: SagaInstance, phase: number): number {
    instance.phase = phase;
    const figures = this.figures[instance.saga]!;
    if (phase === Phase.completed) figures.completed++;
    else figures.compensated++;
    this.durations[instance.saga]!.push(this.world.sim.now - instance.startedAt);
    instance.timeline.length = 0;
    return -1;
  }

  private note(instance: SagaInstance, what: string): void {
    instance.timeline.push({ what, atMicros: this.world.sim.now });
  }

  private groupName(group: number): string {
    return this.groupNames[group] ?? String(group);
  }

  private groupNames: string[] = [];

  /** Names groups in timelines. */
  nameGroups(names: string[]): void {
    this.groupNames = names;
  }

  /** Each saga's figures at the end of the run (`now`): unfinished sagas older than the timeout are stuck. */
  finishRun(now: number): Record<string, SagaFigures> {
    const { messages } = this.world;
    const result: Record<string, SagaFigures> = {};
    const stuck = this.specs.map(() => 0);
    const inFlight = this.specs.map(() => 0);
    const examples: (SagaFigures["stuckExample"] | null)[] = this.specs.map(() => null);
    for (const [root, instance] of this.instances) {
      if (instance.phase === Phase.completed || instance.phase === Phase.compensated) continue;
      if (now - instance.startedAt < this.specs[instance.saga]!.timeout) {
        inFlight[instance.saga]!++;
        continue;
      }
      stuck[instance.saga]!++;
      if (examples[instance.saga] === null)
        examples[instance.saga] = {
          root,
          producer: messages.producer[messages.slot(root)]!,
          timeline: this.stuckTimeline(instance, now),
        };
    }
    for (const [message, group] of this.compensations) {
      if (messages.consumedBy[group]![message]! > 0) continue;
      const saga = this.roles[group]!.saga;
      this.figures[saga]!.compensationsLost++;
    }
    this.names.forEach((name, saga) => {
      const durations = [...this.durations[saga]!].sort((a, b) => a - b);
      result[name] = {
        ...this.figures[saga]!,
        stuck: stuck[saga]!,
        inFlight: inFlight[saga]!,
        durations,
        stuckExample: examples[saga]!,
      };
    });
    return result;
  }

  /** A stuck saga's timeline, ending with what became of the message it still waits on. */
  private stuckTimeline(instance: SagaInstance, now: number): SagaInstance["timeline"] {
    const { messages } = this.world;
    const fate = messages.fate[instance.lastGroup]![instance.lastSent]!;
    const what = fate === Fate.deadLettered ? "dead-lettered" : fate === Fate.dropped ? "dropped" : "not consumed";
    const target = this.groupName(instance.lastGroup);
    return [
      ...instance.timeline,
      { what: `message ${instance.lastSent} to ${target}: ${what}, no answer by the end of the run`, atMicros: now },
    ];
  }
}
