import type { BrokerContext } from "../broker.js";
import type { Member } from "./member.js";

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

  /** Sends the first record of each partition in the batch (the batch is grouped by partition). */
  open(member: Member, batch: number[]): void {
    const partitionOf = this.context.messages.partition;
    const partitions = this.partitions;
    const lanes = member.lanes ?? { batch, next: new Int32Array(partitions), end: new Int32Array(partitions), due: [] };
    lanes.batch = batch;
    lanes.due.length = 0;
    lanes.next.fill(0);
    lanes.end.fill(0);
    member.lanes = lanes;
    const heads: number[] = [];
    batch.forEach((message, index) => {
      const partition = partitionOf[message]!;
      if (index === 0 || partitionOf[batch[index - 1]!] !== partition) heads.push(index);
      lanes.end[partition] = index + 1;
    });
    for (const head of heads) {
      if (!member.alive) break;
      lanes.next[partitionOf[batch[head]!]!] = head + 1;
      this.context.deliver(batch[head]!, member.consumer);
    }
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

  private feed(member: Member): void {
    const lanes = member.lanes;
    if (lanes === null) return;
    for (const partition of lanes.due.splice(0)) {
      // A stopping application hands out no more of its batch.
      if (!member.alive || member.stopping) return;
      const index = lanes.next[partition]!;
      lanes.next[partition] = index + 1;
      this.context.deliver(lanes.batch[index]!, member.consumer);
    }
  }
}
