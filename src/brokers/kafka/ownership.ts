import { cooperativeStickyAssign, rangeAssign } from "./assignors.js";
import type { Member } from "./member.js";
import type { GroupOffsets } from "./offsets.js";

/**
 * Which member of one group owns each partition. Under cooperative-sticky a
 * partition that must move stays with its owner, marked as revoking, until
 * the owner's next poll; then it goes to its `handoff` member.
 */
export class Ownership {
  readonly owner: (Member | null)[];
  readonly revoking: Uint8Array;
  private readonly handoff: (Member | null)[];

  /** The group's topic: `partitions` partitions from `first` on, out of `total` in the cluster. */
  private readonly first: number;
  private readonly partitions: number;

  constructor(
    private readonly group: number,
    topic: { first: number; partitions: number; total: number },
    private readonly offsets: GroupOffsets,
  ) {
    this.first = topic.first;
    this.partitions = topic.partitions;
    this.owner = new Array<Member | null>(topic.total).fill(null);
    this.revoking = new Uint8Array(topic.total);
    this.handoff = new Array<Member | null>(topic.total).fill(null);
  }

  /** Whether `member` may fetch `partition` now. */
  fetches(member: Member, partition: number): boolean {
    return this.owner[partition] === member && this.revoking[partition] === 0;
  }

  /** Eager rebalance: a rejoining member gives up everything it owns. */
  revokeAll(member: Member): void {
    for (const partition of member.owned) this.owner[partition] = null;
    member.owned = [];
  }

  /** A member left the group: its partitions have no owner until the next assignment. */
  removeMember(member: Member): void {
    for (const partition of member.owned) {
      this.owner[partition] = null;
      this.revoking[partition] = 0;
      this.handoff[partition] = null;
    }
    member.owned = [];
    for (let partition = this.first; partition < this.first + this.partitions; partition++) {
      if (this.handoff[partition] === member) this.handoff[partition] = null;
    }
  }

  /** Range: every member gave its partitions up when it rejoined; hand out the new ranges. */
  applyRange(members: readonly Member[]): void {
    const byId = new Map(members.map((member) => [member.id, member]));
    for (const [id, partitions] of rangeAssign([...byId.keys()], this.partitions)) {
      for (const partition of partitions) this.give(this.first + partition, byId.get(id)!);
    }
  }

  /**
   * Cooperative-sticky: partitions without an owner go to their new owner at
   * once; one owned by another member is revoked, and moves when that member
   * next polls (at once if it is idle).
   */
  applyCooperative(members: readonly Member[], given: (member: Member) => void): void {
    const byId = new Map(members.map((member) => [member.id, member]));
    // The assignors number the topic's partitions from 0.
    const first = this.first;
    const previous = new Map(members.map((member) => [member.id, member.owned.map((p) => p - first)]));
    const target = new Array<Member | null>(this.partitions).fill(null);
    for (const [id, partitions] of cooperativeStickyAssign(previous, [...byId.keys()], this.partitions)) {
      for (const partition of partitions) target[partition] = byId.get(id)!;
    }
    target.forEach((next, index) => {
      const partition = first + index;
      const current = this.owner[partition] ?? null;
      if (current === next) {
        this.revoking[partition] = 0;
        this.handoff[partition] = null;
      } else if (current === null) {
        if (next !== null) this.give(partition, next);
      } else {
        this.revoking[partition] = 1;
        this.handoff[partition] = next;
      }
    });
    for (const member of members) if (!member.busy) this.releaseRevoked(member, given);
  }

  /** The member gives up the partitions it lost; `given` is told of each member that received one. */
  releaseRevoked(member: Member, given: (member: Member) => void): void {
    for (const partition of member.owned.slice()) {
      if (this.revoking[partition] === 0) continue;
      member.owned.splice(member.owned.indexOf(partition), 1);
      this.owner[partition] = null;
      this.revoking[partition] = 0;
      const next = this.handoff[partition] ?? null;
      this.handoff[partition] = null;
      if (next?.inGroup) {
        this.give(partition, next);
        given(next);
      }
    }
  }

  /** `member` now owns `partition` and resumes from the committed offset. */
  private give(partition: number, member: Member): void {
    this.owner[partition] = member;
    this.revoking[partition] = 0;
    this.handoff[partition] = null;
    if (!member.owned.includes(partition)) {
      member.owned.push(partition);
      member.owned.sort((a, b) => a - b);
    }
    this.offsets.resume(this.group, partition);
  }
}
