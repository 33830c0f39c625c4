import type { Simulation } from "../engine/simulation.js";

/** What one gathering group did with the sets it opened. */
export interface GatherFigures {
  /** Sets whose `parts` distinct parts all arrived before the timeout. */
  completed: number;
  /** Sets still short when the timeout ran out (counted at that moment). */
  timedOut: number;
  /** Parts that arrived after their set had closed (timed out, or complete and this one extra). */
  late: number;
}

/**
 * Fan-in for one group: a set per root message, opened by its first part, closed when `parts`
 * distinct parts are in or when `timeout` has passed since the first. Sets are looked up by root
 * and never iterated, so their order cannot change a result.
 */
export class Gather {
  readonly figures: GatherFigures = { completed: 0, timedOut: 0, late: 0 };
  /** Open sets: root → parts received so far, and the timeout's event. */
  private readonly open = new Map<number, { parts: number; timer: number }>();
  /** Roots whose set closed: a part for one of them is late. */
  private readonly closed = new Set<number>();
  private readonly expire = (root: number): void => {
    if (!this.open.delete(root)) return;
    this.closed.add(root);
    this.figures.timedOut++;
  };

  constructor(
    private readonly sim: Simulation,
    private readonly parts: number,
    private readonly timeout: number,
  ) {}

  /** A first consumption of a part of `root`'s set: true when it completes the set. */
  part(root: number): boolean {
    if (this.closed.has(root)) {
      this.figures.late++;
      return false;
    }
    const set = this.open.get(root) ?? { parts: 0, timer: this.sim.schedule(this.timeout, this.expire, root) };
    set.parts++;
    if (set.parts < this.parts) {
      this.open.set(root, set);
      return false;
    }
    this.sim.cancel(set.timer);
    this.open.delete(root);
    this.closed.add(root);
    this.figures.completed++;
    return true;
  }
}
