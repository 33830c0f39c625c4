import { profileNamed } from "../brokers/profiles.js";
import { Fate, type MessageTable, PublishOutcome } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import type { Summary } from "../report/summary.js";
import type { ParsedScenario } from "../scenario/schema.js";

/**
 * Invariants every run must keep, whatever the profile, workload and faults: what the swarm checks after
 * each run. Each is an independent observer of the run or of its summary, as in TigerBeetle's VOPR.
 */
export type InvariantName =
  | "conservation"
  | "determinism"
  | "retirement"
  | "no-loss"
  | "monotone-clock"
  | "non-negative";

export interface Violation {
  invariant: InvariantName;
  detail: string;
}

/** Sees every event of a run: simulated time never goes backwards, and it tallies first consumptions per group. */
export class RunWatcher extends NullObserver {
  private last = 0;
  readonly clockProblems: string[] = [];
  readonly consumedFirst: number[] = [];
  messages: MessageTable | null = null;
  /** Per group: the tallies of messages retired from the table during the run (see `GroupTally`). */
  readonly retired: GroupTally[] = [];
  /** Messages a broker gave up at its delivery limit (reason `delivery_limit`): the no-loss promise's exception. */
  droppedAtDeliveryLimit = 0;

  watch(messages: MessageTable): void {
    this.messages = messages;
    const groups = messages.fate.length;
    for (let g = 0; g < groups; g++) this.retired.push(emptyTally());
    messages.onRetire((message) => {
      for (let g = 0; g < groups; g++) tallyMessage(messages, message, g, this.retired[g]!);
    });
  }

  private at(now: number, event: string): void {
    if (!(Number.isFinite(now) && now >= this.last) && this.clockProblems.length < 3) {
      this.clockProblems.push(`${event} at ${now} us, after an event at ${this.last} us`);
    }
    if (Number.isFinite(now)) this.last = Math.max(this.last, now);
  }

  override published(_m: number, now: number): void {
    this.at(now, "published");
  }
  override accepted(_m: number, now: number): void {
    this.at(now, "accepted");
  }
  override rejected(_m: number, now: number): void {
    this.at(now, "rejected");
  }
  override delivered(_m: number, _g: number, _c: number, _a: number, _w: number, now: number): void {
    this.at(now, "delivered");
  }
  override consumed(_m: number, group: number, _c: number, times: number, now: number): void {
    this.at(now, "consumed");
    if (times === 1) this.consumedFirst[group] = (this.consumedFirst[group] ?? 0) + 1;
  }
  override sideEffect(_m: number, _g: number, _c: number, _t: number, now: number): void {
    this.at(now, "side effect");
  }
  override deadLettered(_m: number, _g: number, _r: string, now: number): void {
    this.at(now, "dead-lettered");
  }
  override dropped(_m: number, _g: number, reason: string, now: number): void {
    this.at(now, "dropped");
    if (reason === DELIVERY_LIMIT) this.droppedAtDeliveryLimit++;
  }
  override fault(_k: string, _t: string, _b: boolean, now: number): void {
    this.at(now, "fault");
  }
}

/** How a group's messages ended, for conservation. */
interface GroupTally {
  consumed: number;
  deadLettered: number;
  notRouted: number;
  rejected: number;
  rest: number;
}

const emptyTally = (): GroupTally => ({ consumed: 0, deadLettered: 0, notRouted: 0, rejected: 0, rest: 0 });

function tallyMessage(messages: MessageTable, message: number, g: number, tally: GroupTally): void {
  const row = messages.slot(message);
  if (messages.consumedBy[g]![row]! > 0) tally.consumed++;
  else if (messages.fate[g]![row] === Fate.deadLettered) tally.deadLettered++;
  else if (messages.fate[g]![row] === Fate.notRouted) tally.notRouted++;
  else if (messages.outcome[row] === PublishOutcome.rejected) tally.rejected++;
  else tally.rest++;
}

/**
 * Conservation per group: every published message ends, for each group, consumed, dead-lettered, not
 * routed to it, refused at publish, or in the rest (pending, lost or unknown to its producer); the groups'
 * rests add up to the summary's pending + lost + unknown, and their consumptions to its consumed.
 */
export function conservationViolations(watcher: RunWatcher, summary: Summary, groups: string[]): Violation[] {
  const messages = watcher.messages;
  if (messages === null) return [{ invariant: "conservation", detail: "the run never showed its message table" }];
  const m = summary.messages;
  const found: Violation[] = [];
  let consumed = 0;
  let rest = 0;
  groups.forEach((group, g) => {
    const tally = { ...(watcher.retired[g] ?? emptyTally()) };
    messages.forEachInPlay((message) => tallyMessage(messages, message, g, tally));
    if ((watcher.consumedFirst[g] ?? 0) !== tally.consumed) {
      found.push({
        invariant: "conservation",
        detail: `group ${group}: ${watcher.consumedFirst[g] ?? 0} first consumptions seen, ${tally.consumed} in the message table`,
      });
    }
    consumed += tally.consumed;
    rest += tally.rest;
  });
  if (messages.count !== m.published) {
    found.push({ invariant: "conservation", detail: `${messages.count} messages made, ${m.published} published` });
  }
  if (consumed !== m.consumed) {
    found.push({ invariant: "conservation", detail: `groups consumed ${consumed}, the summary says ${m.consumed}` });
  }
  if (rest !== m.pending + m.lost + m.unknown) {
    const said = `pending ${m.pending} + lost ${m.lost} + unknown ${m.unknown}`;
    found.push({ invariant: "conservation", detail: `groups left ${rest} unaccounted, the summary ${said}` });
  }
  return found;
}

/** Every count in the summary is a whole number from 0, and the counts that bound others do. */
export function nonNegativeViolations(summary: Summary): Violation[] {
  const m = summary.messages;
  const found: Violation[] = [];
  for (const [name, value] of Object.entries(m)) {
    if (!(Number.isInteger(value) && value >= 0))
      found.push({ invariant: "non-negative", detail: `${name} is ${value}` });
  }
  const bounded: [string, number, string, number][] = [
    ["duplicated", m.duplicated, "consumed", m.consumed],
    ["redeliveries", m.redeliveries, "deliveries", m.deliveries],
    ["confirmed", m.confirmed, "published", m.published],
  ];
  // A pair's effect is applied at its consumption, or by a dependency's call (perhaps one its caller timed
  // out on, for a message never consumed). So a repeated pair was consumed, or two calls applied it.
  const effectsByCalls = Object.values(summary.dependencies ?? {}).reduce((sum, d) => sum + d.effectsApplied, 0);
  const causes = m.consumed + Math.floor(effectsByCalls / 2);
  if (m.sideEffectsRepeated > causes) {
    const detail = `sideEffectsRepeated ${m.sideEffectsRepeated} exceeds consumed ${m.consumed} + half of the ${effectsByCalls} effects dependencies applied`;
    found.push({ invariant: "non-negative", detail });
  }
  for (const [name, value, bound, limit] of bounded) {
    if (value > limit) found.push({ invariant: "non-negative", detail: `${name} ${value} exceeds ${bound} ${limit}` });
  }
  for (const [name, stats] of Object.entries({
    endToEnd: summary.latency.endToEnd,
    queueWait: summary.latency.queueWait,
  })) {
    if (stats.count > 0 && !(stats.max >= 0 && stats.p50 <= stats.max && Number.isFinite(stats.mean))) {
      found.push({ invariant: "non-negative", detail: `latency ${name}: ${JSON.stringify(stats)}` });
    }
  }
  return found;
}

/** Fault windows lie within the run and end after they start; the run ends no earlier than its last fault. */
export function clockViolations(watcher: RunWatcher, summary: Summary): Violation[] {
  const found: Violation[] = watcher.clockProblems.map((detail) => ({ invariant: "monotone-clock", detail }));
  const endMs = summary.simulated.seconds * 1000;
  for (const fault of summary.faults) {
    if (!(fault.startMs >= 0 && fault.endMs >= fault.startMs && fault.endMs <= endMs + 1e-6)) {
      found.push({
        invariant: "monotone-clock",
        detail: `fault ${fault.kind} ${fault.startMs}-${fault.endMs} ms, run ${endMs} ms`,
      });
    }
  }
  return found;
}

/** The reason a broker gives when it drops a message at its delivery limit (a quorum queue's, RabbitMQ's name). */
const DELIVERY_LIMIT = "delivery_limit";

/**
 * Fault kinds after which a profile that keeps what it sent must still lose nothing but what its delivery
 * limit gives up. Not poison: a delivery limit (quorum queues have one by default, 20 from RabbitMQ 4.0)
 * drops a message that fails every time, as the real broker does. A consumer crash returns what it held,
 * and every return counts towards that limit too: crashes often enough drop a message as well, so the swarm
 * counts those drops apart (`RunWatcher.droppedAtDeliveryLimit`).
 */
const HARMLESS_TO_KEPT_MESSAGES = new Set(["consumer-crash", "consumer-stop", "slow-consumer", "latency", "duplicate"]);

/**
 * Whether the scenario's profile and settings promise that nothing confirmed is lost: a profile that keeps
 * what it sent until settled (its facts), with every setting at its default (the knobs that trade safety
 * away, such as autoAck, acks or a length limit, are off by default), only consumer-side faults, and an
 * application that never hands a failed processing back to the broker.
 */
export function promisesNoLoss(scenario: ParsedScenario, faultKindsOf: (index: number) => string): boolean {
  const profile = profileNamed(scenario.broker.profile);
  if (profile.facts.keepsSent !== "until-settled") return false;
  const defaults = profile.schema.safeParse({ profile: profile.name });
  if (!defaults.success) return false;
  const defaultSettings = (defaults.data as { settings: object }).settings;
  if (JSON.stringify(defaultSettings) !== JSON.stringify(scenario.broker.settings)) return false;
  if (scenario.consumers.some(nacksFailures)) return false;
  return scenario.faults.every((_, index) => HARMLESS_TO_KEPT_MESSAGES.has(faultKindsOf(index)));
}

/**
 * Whether a group with steps hands a failed processing back to the broker as a nack: with no retry policy,
 * a policy whose `onExhausted` is nack, or a breaker that nacks while open. What the broker does with a
 * nack is its documented answer to the application's failure, as for the poison fault (docs/patterns.md,
 * "A failure handed back to the broker"): Kafka has no per-record nack and the record is skipped
 * (`processing-failed`), a quorum queue drops it at its delivery limit. Such a loss is the application's.
 * A policy that dead-letters, parks or drops keeps the check: its drops are counted apart by the swarm.
 */
function nacksFailures(consumer: ParsedScenario["consumers"][number]): boolean {
  if (consumer.steps === undefined) return false;
  if ((consumer.retry?.onExhausted ?? "nack") === "nack") return true;
  return Object.values(consumer.breakers ?? {}).some((breaker) => breaker.whileOpen === "nack");
}
