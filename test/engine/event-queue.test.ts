// Proves EventQueue pops events in (time, priority, insertion sequence) order, matching a sorted reference, through growth and interleaving.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { type EventHandler, EventQueue } from "../../src/engine/event-queue.js";

interface Entry {
  time: number;
  priority: number;
  sequence: number;
  arg: number;
}

const noop: EventHandler = () => {};

function byOrder(a: Entry, b: Entry): number {
  return a.time - b.time || a.priority - b.priority || a.sequence - b.sequence;
}

/** Pops one event and reads back everything the queue exposes about it. */
function popEntry(queue: EventQueue): {
  handler: EventHandler | undefined;
  time: number;
  sequence: number;
  arg: number;
} {
  const handler = queue.pop();
  return { handler, time: queue.poppedTime, sequence: queue.poppedSequence, arg: queue.poppedArg };
}

describe("EventQueue", () => {
  it("is empty at first: size 0, peekTime Infinity, pop undefined", () => {
    const queue = new EventQueue();
    expect(queue.size).toBe(0);
    expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(queue.pop()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it("numbers events in insertion order and reports the number on pop", () => {
    const queue = new EventQueue();
    queue.push(30, noop, 7, 10);
    queue.push(10, noop, 8, 10);
    queue.push(20, noop, 9, 10);
    expect(queue.size).toBe(3);
    expect(queue.peekTime()).toBe(10);

    const popped = [popEntry(queue), popEntry(queue), popEntry(queue)].map(({ time, sequence, arg }) => ({
      time,
      sequence,
      arg,
    }));
    expect(popped).toEqual([
      { time: 10, sequence: 1, arg: 8 },
      { time: 20, sequence: 2, arg: 9 },
      { time: 30, sequence: 0, arg: 7 },
    ]);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });

  it("cancels by handle only while the event is pending; a reused slot ignores the stale handle", () => {
    const queue = new EventQueue(1);
    const first = queue.push(1, noop, 1, 10);
    expect(queue.cancel(first)).toBe(true);
    expect(queue.cancel(first)).toBe(false);
    expect(queue.live).toBe(0);
    queue.pop();
    expect(queue.poppedCancelled).toBe(true);
    const second = queue.push(2, noop, 2, 10);
    expect(second).not.toBe(first);
    expect(queue.cancel(first)).toBe(false);
    expect(queue.live).toBe(1);
    queue.pop();
    expect(queue.poppedCancelled).toBe(false);
    expect(queue.cancel(second)).toBe(false);
    expect(queue.cancel(-1)).toBe(false);
  });

  it("returns the handler that was pushed with each event", () => {
    const queue = new EventQueue();
    const a: EventHandler = () => {};
    const b: EventHandler = () => {};
    queue.push(2, a, 0, 10);
    queue.push(1, b, 0, 10);
    expect(queue.pop()).toBe(b);
    expect(queue.pop()).toBe(a);
  });

  it("breaks ties by priority, then by insertion order", () => {
    const queue = new EventQueue();
    const pushed = [
      { time: 5, priority: 10, arg: 0 },
      { time: 5, priority: 0, arg: 1 },
      { time: 3, priority: 10, arg: 2 },
      { time: 5, priority: 10, arg: 3 },
      { time: 5, priority: 0, arg: 4 },
      { time: 5, priority: 1023, arg: 5 },
      { time: 3, priority: 1023, arg: 6 },
      { time: 5, priority: 10, arg: 7 },
    ];
    for (const p of pushed) queue.push(p.time, noop, p.arg, p.priority);
    const order: number[] = [];
    while (queue.size > 0) order.push(popEntry(queue).arg);
    // time 3: prio 10 (arg 2) before prio 1023 (arg 6); time 5: prio 0 (1, 4), prio 10 (0, 3, 7), prio 1023 (5).
    expect(order).toEqual([2, 6, 1, 4, 0, 3, 7, 5]);
  });

  it("matches a sorted reference for many random pushes, growing far past a tiny initial capacity", () => {
    const rng = seedrandom.alea("event-queue-bulk");
    const queue = new EventQueue(2);
    const reference: Entry[] = [];
    for (let i = 0; i < 5000; i++) {
      // Few distinct times and priorities, so ties on time and on (time, priority) are common.
      const time = Math.floor(rng() * 300);
      const priority = Math.floor(rng() * 4);
      queue.push(time, noop, i, priority);
      reference.push({ time, priority, sequence: i, arg: i });
    }
    expect(queue.size).toBe(5000);
    reference.sort(byOrder);

    const popped: { time: number; sequence: number; arg: number }[] = [];
    while (queue.size > 0) {
      const { time, sequence, arg, handler } = popEntry(queue);
      expect(handler).toBe(noop);
      popped.push({ time, sequence, arg });
    }
    expect(popped).toEqual(reference.map(({ time, sequence, arg }) => ({ time, sequence, arg })));
  });

  it("matches a reference under random interleaved pushes and pops, including non-integer times", () => {
    const rng = seedrandom.alea("event-queue-interleaved");
    const queue = new EventQueue(1);
    const reference: Entry[] = [];
    // Everything observed is collected and compared once at the end (a per-step expect is slow).
    const expected: number[][] = [];
    const got: number[][] = [];
    const sizeMismatches: number[] = [];
    let now = 0;
    let pushes = 0;
    for (let step = 0; step < 20_000; step++) {
      // Push slightly more often than pop, so the queue both grows and drains repeatedly.
      if (reference.length === 0 || rng() < 0.55) {
        const time = now + Math.floor(rng() * 50) + (rng() < 0.1 ? 0.5 : 0);
        const priority = Math.floor(rng() * 3);
        queue.push(time, noop, step, priority);
        reference.push({ time, priority, sequence: pushes++, arg: step });
      } else {
        let best = 0;
        for (let i = 1; i < reference.length; i++) if (byOrder(reference[i]!, reference[best]!) < 0) best = i;
        const next = reference.splice(best, 1)[0]!;
        const peeked = queue.peekTime();
        const popped = popEntry(queue);
        expected.push([next.time, next.time, next.sequence, next.arg]);
        got.push([peeked, popped.time, popped.sequence, popped.arg]);
        now = popped.time; // like a simulation clock: later pushes never go into the past
      }
      if (queue.size !== reference.length) sizeMismatches.push(step);
    }
    expect(got.length).toBeGreaterThan(8000);
    expect(got).toEqual(expected);
    expect(sizeMismatches).toEqual([]);

    reference.sort(byOrder);
    const rest: number[] = [];
    while (queue.size > 0) rest.push(popEntry(queue).sequence);
    expect(rest).toEqual(reference.map((e) => e.sequence));
  });

  it("drops cancelled events once they are most of the heap, and the rest still pop in order", () => {
    const rng = seedrandom.alea("event-queue-cancel-churn");
    const queue = new EventQueue(1);
    const live = new Map<number, Entry>();
    let sequence = 0;
    let largest = 0;
    // A timer armed and cancelled again and again (as consumer_timeout's tick is) among a few live events.
    for (let round = 0; round < 5000; round++) {
      const time = Math.floor(rng() * 1000);
      const handle = queue.push(time, noop, round, 10);
      const entry = { time, priority: 10, sequence: sequence++, arg: round };
      if (rng() < 0.99) expect(queue.cancel(handle)).toBe(true);
      else live.set(handle, entry);
      largest = Math.max(largest, queue.size);
      expect(queue.live).toBe(live.size);
    }
    // Without dropping them the heap would hold about 4,950 cancelled events.
    expect(largest).toBeLessThanOrEqual(2 * live.size + 16);
    const popped: number[] = [];
    while (queue.live > 0) {
      queue.pop();
      if (!queue.poppedCancelled) popped.push(queue.poppedArg);
    }
    expect(popped).toEqual([...live.values()].sort(byOrder).map((entry) => entry.arg));
    for (const handle of live.keys()) expect(queue.cancel(handle)).toBe(false);
  });

  it("keeps ordering correct when slots are reused after pops", () => {
    const queue = new EventQueue(4);
    // Fill and drain repeatedly so later events land in recycled slots in scrambled order.
    const order: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const t of [4, 1, 3, 2]) queue.push(round * 10 + t, noop, round * 10 + t, 10);
      order.push(popEntry(queue).arg, popEntry(queue).arg);
    }
    while (queue.size > 0) order.push(popEntry(queue).arg);
    expect(order).toEqual([1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]);
  });

  it("take leaves the head for the next push to replace, and pops stay in order whether or not one comes", () => {
    const rng = seedrandom.alea("event-queue-take");
    const queue = new EventQueue(1);
    const reference: Entry[] = [];
    let sequence = 0;
    const push = (time: number, priority: number) => {
      const arg = sequence;
      reference.push({ time, priority, sequence: sequence++, arg });
      return queue.push(time, noop, arg, priority);
    };
    for (let i = 0; i < 8; i++) push(Math.floor(rng() * 50), Math.floor(rng() * 3));
    const taken: number[] = [];
    const expected: number[] = [];
    for (let step = 0; step < 3000 && queue.liveHeadTime() !== Number.POSITIVE_INFINITY; step++) {
      reference.sort(byOrder);
      expected.push(reference.shift()!.arg);
      queue.take();
      taken.push(queue.poppedArg);
      const now = queue.poppedTime;
      // Like handlers: most schedule one event, some none, some two.
      const pushes = step > 2500 ? 0 : Math.floor(rng() * 3);
      for (let k = 0; k < pushes; k++) push(now + Math.floor(rng() * 20), Math.floor(rng() * 3));
    }
    expect(taken).toEqual(expected);
    expect(queue.size).toBe(0);
  });

  it("counts a taken event as gone: its handle cancels nothing, and size and live exclude it", () => {
    const queue = new EventQueue();
    const first = queue.push(1, noop, 1, 10);
    queue.push(2, noop, 2, 10);
    queue.take();
    expect(queue.cancel(first)).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.live).toBe(1);
    expect(queue.peekTime()).toBe(2);
    queue.take();
    const replacement = queue.push(3, noop, 3, 10);
    expect(queue.size).toBe(1);
    expect(queue.cancel(replacement)).toBe(true);
    expect(queue.liveHeadTime()).toBe(Number.POSITIVE_INFINITY);
  });
});
