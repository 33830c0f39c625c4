import type { BrokerContext } from "../broker.js";
import { SeqArray } from "./columns.js";
import type { Memory } from "./memory.js";
import type { Persistence } from "./persistence.js";
import { listElementBytes } from "./sizes.js";

/** Journal record kinds for list heads and tails (before-images of the two indexes). */
export const LIST_HEAD = 1;
export const LIST_TAIL = 2;

/**
 * One Redis list per consumer group, which is memory key `group`. The
 * producer LPUSHes each message to every group's list; consumers pop from the
 * other end, so each list is FIFO. Items sit at sequence numbers
 * [head, tail): a push or pop moves one index, so one journal record undoes it.
 */
export class GroupLists {
  private readonly entries: SeqArray[];
  private readonly head: Float64Array;
  private readonly tail: Float64Array;
  private readonly headEpochs: Uint32Array;
  private readonly tailEpochs: Uint32Array;
  /** Per group: the head a crash would restore, while it may (`Persistence.mayUndo` of its epoch). */
  private readonly durableHead: Float64Array;

  constructor(
    private readonly context: BrokerContext,
    private readonly persistence: Persistence,
    private readonly memory: Memory,
  ) {
    this.entries = Array.from({ length: context.groupCount }, () => new SeqArray());
    this.head = new Float64Array(context.groupCount);
    this.tail = new Float64Array(context.groupCount);
    this.headEpochs = new Uint32Array(context.groupCount);
    this.tailEpochs = new Uint32Array(context.groupCount);
    this.durableHead = new Float64Array(context.groupCount);
  }

  length(group: number): number {
    return this.tail[group]! - this.head[group]!;
  }

  push(group: number, message: number): void {
    const tail = this.tail[group]!;
    this.persistence.write(this.tailEpochs, group, LIST_TAIL, group, -1, tail);
    this.entries[group]!.set(tail, message);
    this.tail[group] = tail + 1;
    this.memory.grow(group, this.elementBytes(message));
    this.memory.touch(group);
    this.reportDepth(group);
  }

  /** Removes and returns the oldest item; the caller checks `length` first. */
  pop(group: number): number {
    const head = this.head[group]!;
    this.moveHead(group);
    const message = this.entries[group]!.get(head);
    this.persistence.touched(message);
    this.head[group] = head + 1;
    this.memory.shrink(group, this.elementBytes(message));
    this.memory.touch(group);
    this.reportDepth(group);
    return message;
  }

  /** Deletes the whole list (an eviction) and returns what it held, oldest first. */
  deleteAll(group: number): number[] {
    const removed: number[] = [];
    this.moveHead(group);
    this.forEach(group, (message) => {
      removed.push(message);
      this.persistence.touched(message);
      this.memory.shrink(group, this.elementBytes(message));
    });
    this.head[group] = this.tail[group]!;
    this.reportDepth(group);
    return removed;
  }

  forEach(group: number, visit: (message: number) => void): void {
    const entries = this.entries[group]!;
    for (let seq = this.head[group]!; seq < this.tail[group]!; seq++) visit(entries.get(seq));
  }

  /**
   * Lets go of every list's positions below its head, or below the head a crash would restore: popped items
   * nothing reads again, in a run that retires messages (see ListBroker.releaseRead). The items a crash may
   * bring back are held through `Persistence.touched`.
   */
  keepFromHeads(): void {
    for (let group = 0; group < this.entries.length; group++) {
      const head = this.head[group]!;
      const restorable = this.persistence.mayUndo(this.headEpochs, group);
      this.entries[group]!.keepFrom(restorable ? Math.min(head, this.durableHead[group]!) : head);
    }
  }

  /** Undoes a LIST_HEAD or LIST_TAIL record; false for a record of another kind. */
  undo(kind: number, group: number, before: number): boolean {
    if (kind === LIST_HEAD) this.head[group] = before;
    else if (kind === LIST_TAIL) this.tail[group] = before;
    else return false;
    return true;
  }

  /** Empties every list where it ends: its positions go on from there, as those below may have been let go. */
  wipe(): void {
    this.head.set(this.tail);
  }

  /** Adds the lists' bytes back to a reset memory count, and reports depths. */
  recount(): void {
    for (let group = 0; group < this.entries.length; group++) {
      this.forEach(group, (message) => this.memory.grow(group, this.elementBytes(message)));
      this.reportDepth(group);
    }
  }

  /** Journals the head's before-image (a pop or a deletion is about to move it), noting the head a crash restores. */
  private moveHead(group: number): void {
    const head = this.head[group]!;
    if (this.persistence.write(this.headEpochs, group, LIST_HEAD, group, -1, head)) this.durableHead[group] = head;
  }

  private elementBytes(message: number): number {
    const { messages } = this.context;
    return listElementBytes(messages.size[messages.slot(message)]!);
  }

  private reportDepth(group: number): void {
    this.context.observer.depthChanged(group, this.length(group), this.context.sim.now);
  }
}
