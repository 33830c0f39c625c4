import { IntRing } from "../../model/int-ring.js";
import type { BrokerContext } from "../broker.js";
import type { LaneState, Member } from "./member.js";

/**
 * How a poll batch reaches a consumer that processes several records at once
 * (concurrency above 1): each partition of the batch is a lane, and a lane
 * sends its next record only when the previous one is acked. The consumer
 * then never processes two records of one partition at the same time, and
 * each partition is processed in offset order, as a poll loop that hands
 * partitions to worker threads would. The cost: with network latency, each
 * record after a lane's first waits for one round trip, which a real
 * application holding the batch in memory would not.
 */
export class Lanes {
  private readonly onDue = (serial: number): void => this.feed(this.memberOf(serial));

  constructor(
    private readonly context: BrokerContext,
    private readonly partitions: number,
    private readonly memberOf: (serial: number) => Member,
  ) {}

  /**
   * Sends the first record of each partition in the batch (the poll buffer's first `length` records, grouped by
   * partition). The lanes keep a copy: the poll buffer is reused by the next poll.
   */
  open(member: Member, records: readonly number[], length: number): void {
    const lanes = member.lanes ?? this.newLanes();
    member.lanes = lanes;
    // Written over, never shortened (a shorter array would grow again, allocating): only [0, length) is read.
    const batch = lanes.batch;
    for (let index = 0; index < length; index++) batch[index] = records[index]!;
    lanes.due.clear();
    lanes.next.fill(0);
    lanes.end.fill(0);
    for (let index = 0; index < length; index++) lanes.end[this.partitionOf(batch[index]!)] = index + 1;
    for (let head = 0; head < length; head++) {
      const partition = this.partitionOf(batch[head]!);
      if (head > 0 && this.partitionOf(batch[head - 1]!) === partition) continue;
      if (!member.alive) break;
      lanes.next[partition] = head + 1;
      this.context.deliver(batch[head]!, member.consumer);
    }
  }

  private partitionOf(message: number): number {
    const { messages } = this.context;
    return messages.partition[messages.slot(message)]!;
  }

  private newLanes(): LaneState {
    const perPartition = new Int32Array(this.partitions);
    return { batch: [], next: perPartition, end: perPartition.slice(), due: new IntRing(8), spare: new IntRing(8) };
  }

  /**
   * A record of `partition` was acked: its lane's next record goes out in an
   * event of its own at the same instant, never inside the consumer's ack
   * call, where a new delivery would let it exceed its concurrency.
   */
  acked(member: Member, partition: number): void {
    const lanes = member.lanes;
    if (lanes === null || lanes.next[partition]! >= lanes.end[partition]!) return;
    lanes.due.push(partition);
    if (lanes.due.length === 1) this.context.sim.schedule(0, this.onDue, member.serial);
  }

  /** Visits, per partition of the current batch, the first record not yet handed to the consumer. */
  firstUnsent(member: Member, visit: (message: number) => void): void {
    const lanes = member.lanes;
    if (lanes === null) return;
    for (let partition = 0; partition < this.partitions; partition++) {
      const next = lanes.next[partition]!;
      if (next > 0 && next < lanes.end[partition]!) visit(lanes.batch[next]!);
    }
  }

  /** Visits every record of the current batch not yet handed to the consumer. */
  forEachUnsent(member: Member, visit: (message: number) => void): void {
    const lanes = member.lanes;
    if (lanes === null) return;
    for (let partition = 0; partition < this.partitions; partition++) {
      const next = lanes.next[partition]!;
      if (next === 0) continue;
      for (let index = next; index < lanes.end[partition]!; index++) visit(lanes.batch[index]!);
    }
  }

  private feed(member: Member): void {
    const lanes = member.lanes;
    if (lanes === null) return;
    // The due partitions are fed from here; one acked meanwhile is due again, in a new list and a new event.
    const due = lanes.due;
    lanes.due = lanes.spare;
    lanes.spare = due;
    for (let k = 0; k < due.length; k++) {
      const partition = due.at(k);
      // A stopping application hands out no more of its batch.
      if (!member.alive || member.stopping) break;
      const index = lanes.next[partition]!;
      lanes.next[partition] = index + 1;
      this.context.deliver(lanes.batch[index]!, member.consumer);
    }
    due.clear();
  }
}
