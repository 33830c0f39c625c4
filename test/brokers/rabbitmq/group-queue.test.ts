// Proves where returned messages go in a queue: a classic queue's original position (not always the head), a quorum queue's returns-first or tail, and the ring's inserts on either side.
import { describe, expect, it } from "vitest";
import { EnqueueOrder, GroupQueue } from "../../../src/brokers/rabbitmq/group-queue.js";
import { MessageRing } from "../../../src/brokers/rabbitmq/message-ring.js";
import type { ReturnPlacement } from "../../../src/brokers/rabbitmq/settings.js";
import { MessageTable } from "../../../src/model/messages.js";

function contents(queue: { forEach(visit: (value: number) => void): void }): number[] {
  const values: number[] = [];
  queue.forEach((value) => {
    values.push(value);
  });
  return values;
}

/** Enqueues m0..m5 (in that order), delivers m0..m2, and leaves m3..m5 ready. */
function queueWithThreeOut(placement: ReturnPlacement): GroupQueue {
  const order = new EnqueueOrder(new MessageTable(1));
  const queue = new GroupQueue(placement, order);
  for (let message = 0; message < 6; message++) {
    order.assign(message);
    queue.push(message);
  }
  for (let i = 0; i < 3; i++) queue.shift();
  return queue;
}

describe("rabbitmq queue returns", () => {
  it("classic: each returned message goes back to its original position, which is not always the head", () => {
    const queue = queueWithThreeOut("original-position");
    queue.giveBack(0);
    queue.giveBack(2);
    expect(contents(queue)).toEqual([0, 2, 3, 4, 5]);
    queue.giveBack(1);
    expect(contents(queue)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("classic: enqueue order, not message id, decides the original position", () => {
    const order = new EnqueueOrder(new MessageTable(1));
    const queue = new GroupQueue("original-position", order);
    for (const message of [1, 0, 2]) {
      order.assign(message);
      queue.push(message);
    }
    queue.shift();
    queue.giveBack(1);
    expect(contents(queue)).toEqual([1, 0, 2]);
  });

  it("quorum with a delivery limit: returns are served first, in the order they came back", () => {
    const queue = queueWithThreeOut("returns-first");
    queue.giveBack(2);
    queue.giveBack(0);
    expect(contents(queue)).toEqual([2, 0, 3, 4, 5]);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([2, 0, 3]);
  });

  it("quorum without a delivery limit: returns go to the tail", () => {
    const queue = queueWithThreeOut("tail");
    queue.giveBack(0);
    expect(contents(queue)).toEqual([3, 4, 5, 0]);
  });

  it("the ring inserts in the middle from either side and across its wrap-around", () => {
    const ring = new MessageRing();
    for (let value = 0; value < 64; value++) ring.push(value);
    for (let i = 0; i < 60; i++) ring.shift();
    for (let value = 64; value < 120; value++) ring.push(value);
    ring.insertAt(1, -1);
    ring.insertAt(ring.length - 1, -2);
    const values = contents(ring);
    expect(values.slice(0, 4)).toEqual([60, -1, 61, 62]);
    expect(values.slice(-3)).toEqual([118, -2, 119]);
    expect(values.length).toBe(62);
  });
});
