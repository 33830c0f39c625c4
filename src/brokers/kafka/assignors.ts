/**
 * Kafka consumer-group partition assignors for a single topic: Range (Kafka's classic default) and
 * a cooperative-sticky assignor.
 *
 * Pure and deterministic: members are always processed in sorted order and every partition list
 * comes back ascending, so the same inputs give the same assignment regardless of the order of the
 * `members` array or the insertion order of the `previous` map.
 *
 * References (apache/kafka):
 * - clients/src/main/java/org/apache/kafka/clients/consumer/RangeAssignor.java
 * - clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignor.java
 *   (constrainedAssign: the path taken when all members subscribe to the same topics)
 * - clients/src/main/java/org/apache/kafka/clients/consumer/CooperativeStickyAssignor.java
 */

/** Member id -> owned partition numbers, ascending. */
export type Assignment = Map<string, number[]>;

/**
 * Java's `String.compareTo` orders by UTF-16 code unit, which is what JS relational operators do;
 * `localeCompare` would not match Kafka for mixed-case or non-ASCII ids.
 */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedUniqueMembers(members: readonly string[]): string[] {
  return [...new Set(members)].sort(compareIds);
}

function assertPartitionCount(partitions: number): void {
  // Zero is allowed: every member simply gets nothing, which is easier for callers than a throw.
  if (!Number.isInteger(partitions) || partitions < 0) {
    throw new RangeError(`partitions must be a non-negative integer, got ${partitions}`);
  }
}

/**
 * Kafka's RangeAssignor for one topic: members in sorted order take contiguous ranges, and the
 * first `P % C` members take one extra partition. With more members than partitions, the members
 * sorting last get an empty list (they are present in the result, as in Kafka).
 *
 * Simplifications: Kafka sorts by `group.instance.id` when static membership is used and by member
 * id otherwise; here the given ids are the sort keys. Rack-aware range assignment (KIP-881) is not
 * modelled.
 */
export function rangeAssign(members: readonly string[], partitions: number): Assignment {
  assertPartitionCount(partitions);
  const sorted = sortedUniqueMembers(members);
  const result: Assignment = new Map();
  const c = sorted.length;
  if (c === 0) return result;

  const numPartitionsPerConsumer = Math.floor(partitions / c);
  const consumersWithExtraPartition = partitions % c;
  sorted.forEach((member, i) => {
    const start = numPartitionsPerConsumer * i + Math.min(i, consumersWithExtraPartition);
    const length = numPartitionsPerConsumer + (i + 1 > consumersWithExtraPartition ? 0 : 1);
    result.set(
      member,
      Array.from({ length }, (_, j) => start + j),
    );
  });
  return result;
}

/**
 * Sticky, balanced assignment in the spirit of Kafka's CooperativeStickyAssignor.
 *
 * Every member ends with floor(P/C) or ceil(P/C) partitions. Each surviving member keeps as many
 * of its previously owned partitions as that balance allows, so the number of partitions that
 * change hands is the minimum possible for a balanced result. Partitions that are free (never
 * owned, owned by a departed member, or trimmed from an over-full member) are handed out in
 * ascending order, each to the member currently holding the fewest, ties broken by id order.
 *
 * How it departs from Kafka's `AbstractStickyAssignor.constrainedAssign`, deliberately:
 * - Kafka walks members in HashMap order when deciding who may keep ceil(P/C); here it is id
 *   order, so the result is reproducible. Any member owning more than floor(P/C) is eligible.
 * - A member over its quota keeps its lowest-numbered partitions; Kafka keeps the first ones in
 *   the order the member reported them.
 * - Kafka fills members below floor(P/C) round-robin, then tops up members at floor(P/C); the
 *   fewest-first rule here gives the same counts but may pair partitions and members differently.
 * - This returns the target assignment. Kafka's cooperative protocol reaches it in two rounds:
 *   partitions revoked from a live member stay unassigned in the first round and are handed out
 *   in a follow-up rebalance. `diffAssignments(...).revoked` identifies exactly those partitions.
 * - Partitions claimed by several members in `previous` are treated as unowned, as Kafka does
 *   for doubly-claimed partitions; generation checks and rack awareness are not modelled.
 * - Previously owned partition numbers outside [0, partitions) are dropped.
 */
export function cooperativeStickyAssign(
  previous: ReadonlyMap<string, readonly number[]>,
  members: readonly string[],
  partitions: number,
): Assignment {
  assertPartitionCount(partitions);
  const sorted = sortedUniqueMembers(members);
  const result: Assignment = new Map();
  const c = sorted.length;
  if (c === 0) return result;

  const claimants = claimantsByPartition(previous, partitions);
  const live = new Set(sorted);
  const owned = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (const [partition, claimedBy] of claimants) {
    const [only] = claimedBy;
    if (claimedBy.size === 1 && only !== undefined && live.has(only)) owned.get(only)!.push(partition);
  }

  const base = Math.floor(partitions / c);
  // Exactly P % C members end with base+1. Granting those slots to members that already own more
  // than base is what minimises movement: each such grant saves one partition from moving.
  let ceilSlots = partitions % c;
  const taken = new Set<number>();
  for (const member of sorted) {
    const mine = owned.get(member)!.sort((a, b) => a - b);
    let keep = Math.min(mine.length, base);
    if (mine.length > base && ceilSlots > 0) {
      keep = base + 1;
      ceilSlots--;
    }
    const kept = mine.slice(0, keep);
    for (const p of kept) taken.add(p);
    result.set(member, kept);
  }

  // Always giving to the emptiest member cannot overshoot: everyone reaches base before anyone
  // goes past it, and the unfilled base+1 slots exactly match what is left in the pool.
  for (let p = 0; p < partitions; p++) {
    if (taken.has(p)) continue;
    let target = sorted[0]!;
    let fewest = result.get(target)!.length;
    for (const member of sorted) {
      const n = result.get(member)!.length;
      if (n < fewest) {
        target = member;
        fewest = n;
      }
    }
    result.get(target)!.push(p);
  }

  for (const list of result.values()) list.sort((a, b) => a - b);
  return result;
}

/** Which partitions changed hands between two assignments. */
export interface AssignmentDiff {
  /**
   * Partitions that some member owned before and a different member owns now. These are the ones
   * whose consumption pauses during a cooperative rebalance; every other partition keeps flowing.
   * A partition with no owner in `next`, or with no owner in `previous`, is not counted.
   */
  moved: number[];
  /**
   * The subset of `moved` taken from a member that is still in the group (a key of `next`). Under
   * the cooperative protocol these need an extra rebalance round, because the old owner must give
   * them up before anyone else may have them; the rest of `moved` belonged to departed members
   * and can be handed out at once.
   */
  revoked: number[];
}

/** Compares ownership before and after a rebalance; both result arrays are ascending. */
export function diffAssignments(
  previous: ReadonlyMap<string, readonly number[]>,
  next: ReadonlyMap<string, readonly number[]>,
): AssignmentDiff {
  const before = claimantsByPartition(previous, Number.POSITIVE_INFINITY);
  const moved: number[] = [];
  const revoked: number[] = [];
  for (const [owner, list] of next) {
    for (const partition of list) {
      const claimedBy = before.get(partition);
      if (claimedBy === undefined) continue;
      const othersClaimed = [...claimedBy].filter((m) => m !== owner);
      if (othersClaimed.length === 0) continue;
      moved.push(partition);
      if (othersClaimed.some((m) => next.has(m))) revoked.push(partition);
    }
  }
  return { moved: moved.sort((a, b) => a - b), revoked: revoked.sort((a, b) => a - b) };
}

function claimantsByPartition(
  assignment: ReadonlyMap<string, readonly number[]>,
  partitions: number,
): Map<number, Set<string>> {
  const claimants = new Map<number, Set<string>>();
  for (const [member, list] of assignment) {
    for (const partition of list) {
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) continue;
      let set = claimants.get(partition);
      if (set === undefined) {
        set = new Set();
        claimants.set(partition, set);
      }
      set.add(member);
    }
  }
  return claimants;
}
