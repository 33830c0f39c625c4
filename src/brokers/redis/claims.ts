import type { BrokerContext } from "../broker.js";
import type { PendingEntries } from "./pending.js";

export interface ClaimSettings {
  claimInterval: number | null;
  "min-idle-time": number;
  claimCount: number;
}

/**
 * The application's XAUTOCLAIM loop. Every `claimInterval`, while a group has
 * pending entries, the group's live consumers take turns running
 * `XAUTOCLAIM <min-idle-time> 0-0 COUNT <claimCount>`: it scans the PEL in ID
 * order, looks at up to ten times COUNT entries, and claims those idle at
 * least min-idle-time, up to COUNT. No timer runs while nothing is pending,
 * so an idle run can end.
 */
export class ClaimLoop {
  private readonly armed: Uint8Array;
  private readonly turn: Int32Array;
  private readonly members: number[][];
  private readonly tick = (group: number): void => this.run(group);

  constructor(
    private readonly context: BrokerContext,
    private readonly pel: PendingEntries,
    private readonly settings: ClaimSettings,
    /** Whether a consumer is alive and Redis is up to answer it. */
    private readonly canClaim: (consumer: number) => boolean,
    /** Redelivers one claimed entry to the claimer. */
    private readonly claim: (group: number, message: number, claimer: number) => void,
  ) {
    this.armed = new Uint8Array(context.groupCount);
    this.turn = new Int32Array(context.groupCount);
    this.members = Array.from({ length: context.groupCount }, () => []);
    for (const consumer of context.consumers) this.members[consumer.group]!.push(consumer.index);
  }

  /** Makes sure a claim will run for the group if it has anything pending. */
  arm(group: number): void {
    const interval = this.settings.claimInterval;
    if (interval === null || this.armed[group] === 1 || this.pel.count[group] === 0) return;
    this.armed[group] = 1;
    this.context.sim.schedule(interval, this.tick, group);
  }

  private run(group: number): void {
    this.armed[group] = 0;
    const claimer = this.nextClaimer(group);
    if (claimer >= 0) {
      const oldest = this.context.sim.now - this.settings["min-idle-time"];
      const claimed: number[] = [];
      let attempts = this.settings.claimCount * 10;
      this.pel.scan(group, (message) => {
        if (this.pel.since.get(group, message) <= oldest) claimed.push(message);
        return --attempts > 0 && claimed.length < this.settings.claimCount;
      });
      for (const message of claimed) {
        // The claimer may die taking one of them; the rest stay claimed by it, unseen.
        if (!this.canClaim(claimer)) break;
        this.claim(group, message, claimer);
      }
    }
    this.arm(group);
  }

  private nextClaimer(group: number): number {
    const members = this.members[group]!;
    for (let tried = 0; tried < members.length; tried++) {
      const consumer = members[this.turn[group]! % members.length]!;
      this.turn[group] = (this.turn[group]! + 1) % members.length;
      if (this.canClaim(consumer)) return consumer;
    }
    return -1;
  }
}
