import type { BrokerContext } from "../broker.js";
import { Member } from "./member.js";
import type { GroupOffsets } from "./offsets.js";
import { Ownership } from "./ownership.js";
import type { KafkaOptions } from "./settings.js";
import type { TopicLayout } from "./topics.js";

/** What the coordinator needs from the consumers' poll loops. */
export interface MemberClient {
  /** The member is waiting in poll(): let it poll now (new partitions, or data). */
  wake(member: Member): void;
  /** Applies the auto-commits an idle member would have made by now. */
  catchUp(member: Member): void;
  /** Commits the member's position in every partition it owns. */
  commitPositions(member: Member): void;
  /** The member was removed from its group: stop watching it and, if its process is gone, take back what it held. */
  forget(member: Member): void;
}

interface GroupState {
  /** Members the coordinator counts, in join order. */
  members: Member[];
  rebalancing: boolean;
  /** The group is forming from empty and waits group.initial.rebalance.delay.ms for more members. */
  windowOpen: boolean;
  newMemberAdded: boolean;
  windowDelay: number;
  windowRemaining: number;
  windowEndsAt: number;
  completionPending: boolean;
  ownership: Ownership;
}

/**
 * The group coordinator, classic protocol. A rebalance starts when a member
 * joins or is removed. Members hear of it with their next heartbeat; an idle
 * member rejoins at once, a busy one after finishing its batch, at its next
 * poll. The rebalance completes once every member has rejoined: a crashed
 * member never does, so completion waits for its session to expire.
 *
 * range (eager): a member gives up all its partitions when it rejoins, so
 * nothing is consumed until the new assignment. cooperative-sticky: members
 * keep fetching their partitions; only those that move pause, from the
 * rebalance until their old owner's next poll. Kafka hands them over in a
 * second rebalance; here the hand-over follows at once.
 */
export class Coordinator {
  readonly groups: GroupState[];
  private readonly bySerial: Member[] = [];
  private client!: MemberClient;
  private up = true;

  private readonly onNotice = (serial: number): void => this.notice(this.bySerial[serial]!);
  private readonly onExpiry = (serial: number): void => {
    const member = this.bySerial[serial]!;
    if (!this.up || !member.inGroup || member.expiresAt !== this.context.sim.now) return;
    this.remove(member);
  };
  private readonly onWindowEnd = (group: number): void => this.windowEnded(group);
  private readonly wakeMember = (member: Member): void => this.client.wake(member);
  private readonly onCompletionCheck = (group: number): void => {
    this.groups[group]!.completionPending = false;
    this.checkCompletion(group);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    offsets: GroupOffsets,
    layout: TopicLayout,
  ) {
    this.groups = Array.from({ length: context.groupCount }, (_, group) => ({
      members: [],
      rebalancing: false,
      windowOpen: false,
      newMemberAdded: false,
      windowDelay: 0,
      windowRemaining: 0,
      windowEndsAt: -1,
      completionPending: false,
      ownership: new Ownership(
        group,
        { first: layout.topicOf(group).first, partitions: layout.partitionsPerTopic, total: layout.partitions },
        offsets,
      ),
    }));
  }

  connect(client: MemberClient): void {
    this.client = client;
  }

  member(serial: number): Member {
    return this.bySerial[serial]!;
  }

  /** Every member there has been, in join order: one removed from the group may still have records to hand out. */
  get everyMember(): readonly Member[] {
    return this.bySerial;
  }

  /** Whether `member` may fetch `partition` now. */
  fetches(member: Member, partition: number): boolean {
    return this.groups[member.group]!.ownership.fetches(member, partition);
  }

  /** The member of `group` that owns `partition` now, if any (a retry topic's reader: see retry-topics.ts). */
  ownerOf(group: number, partition: number): Member | null {
    return this.groups[group]!.ownership.owner[partition] ?? null;
  }

  /** Whether a commit by `member` for `partition` succeeds: it must still be a member and the owner. */
  accepts(member: Member, partition: number): boolean {
    return this.up && member.inGroup && this.groups[member.group]!.ownership.owner[partition] === member;
  }

  /** A consumer instance (new, restarted or kicked) joins its group as a new member. */
  join(consumer: number, group: number): Member {
    const { sim, incarnations } = this.context;
    const member = new Member(this.bySerial.length, consumer, group, incarnations[consumer]!, sim.now);
    this.bySerial.push(member);
    const state = this.groups[group]!;
    const wasEmpty = state.members.length === 0;
    state.members.push(member);
    if (wasEmpty) this.openWindow(group);
    else if (state.windowOpen) state.newMemberAdded = true;
    else this.startRebalance(group);
    return member;
  }

  /** The member's process crashed; the coordinator notices only when its session expires. */
  crashed(member: Member): void {
    member.alive = false;
    if (!member.inGroup) return;
    const expiry = member.lastHeartbeat(this.context.sim.now, this.options.heartbeatInterval);
    if (this.up) this.expireAt(member, expiry + this.options.sessionTimeout);
  }

  /**
   * LeaveGroup: the member is removed now and the rebalance starts without
   * waiting for session.timeout.ms. Sent by the heartbeat thread of a member
   * slower than max.poll.interval.ms, and by close().
   */
  leave(member: Member): void {
    if (member.inGroup) this.remove(member);
  }

  /** The member rejoins the rebalance under way, committing first if auto-commit is on. */
  rejoin(member: Member): void {
    member.mustRejoin = false;
    if (this.options.autoCommit) this.client.commitPositions(member);
    if (this.options.strategy === "range") this.groups[member.group]!.ownership.revokeAll(member);
    member.rejoined = true;
    this.requestCompletion(member.group);
  }

  /** cooperative-sticky: at its poll, a member gives up the partitions it lost. */
  releaseRevoked(member: Member): void {
    this.groups[member.group]!.ownership.releaseRevoked(member, this.wakeMember);
  }

  brokerDown(): void {
    this.up = false;
  }

  /** The coordinator is back: every member still counted gets a fresh session; a pending rebalance goes on. */
  brokerUp(): void {
    this.up = true;
    const now = this.context.sim.now;
    this.groups.forEach((state, group) => {
      for (const member of state.members) {
        member.heartbeatOrigin = now;
        if (!member.alive) this.expireAt(member, now + this.options.sessionTimeout);
        else if (state.rebalancing && !member.rejoined) this.scheduleNotice(member);
      }
      this.requestCompletion(group);
    });
  }

  private openWindow(group: number): void {
    const state = this.groups[group]!;
    const delay = this.options.initialRebalanceDelay;
    state.rebalancing = true;
    state.windowOpen = true;
    state.newMemberAdded = false;
    state.windowDelay = delay;
    state.windowRemaining = Math.max(this.options.maxPollInterval - delay, 0);
    this.scheduleWindowEnd(group, delay);
  }

  /** Kafka's InitialDelayedJoin: while members keep joining, wait another delay, within the rebalance timeout. */
  private windowEnded(group: number): void {
    const state = this.groups[group]!;
    if (!state.windowOpen || state.windowEndsAt !== this.context.sim.now) return;
    if (state.newMemberAdded && state.windowRemaining > 0) {
      state.newMemberAdded = false;
      const next = Math.min(this.options.initialRebalanceDelay, state.windowRemaining);
      state.windowRemaining = Math.max(state.windowRemaining - state.windowDelay, 0);
      state.windowDelay = next;
      this.scheduleWindowEnd(group, next);
      return;
    }
    state.windowOpen = false;
    this.requestCompletion(group);
  }

  private scheduleWindowEnd(group: number, delay: number): void {
    this.groups[group]!.windowEndsAt = this.context.sim.now + delay;
    this.context.sim.schedule(delay, this.onWindowEnd, group);
  }

  private startRebalance(group: number): void {
    const state = this.groups[group]!;
    if (state.members.length === 0) {
      state.rebalancing = false;
      state.windowOpen = false;
      return;
    }
    if (!state.rebalancing) {
      state.rebalancing = true;
      for (const member of state.members) if (!member.rejoined) this.scheduleNotice(member);
    }
    this.requestCompletion(group);
  }

  private scheduleNotice(member: Member): void {
    if (!member.alive) return;
    const at = member.nextHeartbeat(this.context.sim.now, this.options.heartbeatInterval);
    this.context.sim.at(at, this.onNotice, member.serial);
  }

  /** A heartbeat answered "rebalance in progress". */
  private notice(member: Member): void {
    const state = this.groups[member.group]!;
    if (!this.up || !member.alive || !member.inGroup || member.rejoined || !state.rebalancing) return;
    if (member.busy) {
      member.mustRejoin = true;
      return;
    }
    this.client.catchUp(member);
    this.rejoin(member);
  }

  private expireAt(member: Member, at: number): void {
    member.expiresAt = at;
    this.context.sim.at(at, this.onExpiry, member.serial);
  }

  private remove(member: Member): void {
    const state = this.groups[member.group]!;
    member.inGroup = false;
    member.expiresAt = -1;
    state.members.splice(state.members.indexOf(member), 1);
    state.ownership.removeMember(member);
    this.client.forget(member);
    this.startRebalance(member.group);
  }

  /** Completion is checked in an event of its own, so it never runs inside a poll that triggered it. */
  private requestCompletion(group: number): void {
    const state = this.groups[group]!;
    if (state.completionPending) return;
    state.completionPending = true;
    this.context.sim.schedule(0, this.onCompletionCheck, group);
  }

  private checkCompletion(group: number): void {
    const state = this.groups[group]!;
    if (!this.up || !state.rebalancing || state.windowOpen) return;
    if (state.members.some((member) => !member.rejoined)) return;
    this.complete(group);
  }

  private complete(group: number): void {
    const state = this.groups[group]!;
    const now = this.context.sim.now;
    state.rebalancing = false;
    const members = [...state.members].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const member of members) {
      member.rejoined = false;
      member.heartbeatOrigin = now;
    }
    if (this.options.strategy === "range") state.ownership.applyRange(members);
    else state.ownership.applyCooperative(members, this.wakeMember);
    for (const member of members) this.client.wake(member);
  }
}
