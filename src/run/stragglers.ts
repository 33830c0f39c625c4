import type { RetirementSources } from "./retirement.js";

/** A pass may keep apart at most this share of the messages it retires around (1/8). */
const MOST_KEPT_APART = 1 / 8;

/**
 * Keeps long-held messages apart so that they do not pin the watermark (docs/design.md, "Memory"). A message
 * held long (a dead letter waiting for its redrive, a record waiting in a retry topic, a call that hangs) keeps
 * the watermark at its id, and everything newer stays in the table with it. When the table is pinned (half
 * its ring in play), a pass lists every id held below a cutoff halfway through what is in play, and, if they
 * are few, retires every other message below the cutoff: the held ones become stragglers, their rows moved to
 * spare rows past the ring (`MessageTable.retireAround`). The same pass retires the stragglers no one holds
 * any more. A pass runs only when everyone who may hold an id below the cutoff can list what it holds: the
 * unanswered publishes, open deliveries and the broker (a profile that `visitsStragglers`) always can; a
 * `MessageHolder` that lists (`forEachHeld`) can; any other holder, and what the broker may read again
 * (`releaseRead`), bound the cutoff below their oldest. Retiring around a message changes no result: its
 * row is the same, only where it is kept.
 */
export class KeepApart {
  /** After a pass that could not keep apart, none until the table has made this many messages. */
  private nextPassAt = 0;

  /** `eagerly`: a pass whenever the ring is half full, up to the oldest unlisted, however many are held (tests). */
  constructor(
    private readonly sources: RetirementSources,
    private readonly eagerly = false,
  ) {}

  /** A pass, when the table is pinned and the last failed pass is far enough behind (or eagerly). */
  whenPinned(): void {
    const { messages } = this.sources;
    if (messages.count - messages.base < messages.capacity / 2) return;
    if (this.eagerly) {
      this.pass();
      return;
    }
    if (messages.count < this.nextPassAt) return;
    if (!this.pass()) this.nextPassAt = messages.count + messages.capacity / 4;
  }

  /** Retires around what is held below the cutoff and releases stragglers; false when it could not. */
  private pass(): boolean {
    const { messages } = this.sources;
    const base = messages.base;
    const floor = this.oldestUnlisted();
    if (floor < base) return false; // someone who cannot list what it holds holds a straggler
    const reach = Math.min(floor, this.eagerly ? messages.count : base + Math.floor((messages.count - base) / 2));
    // What the messages from `reach` on lead back to stays in the ring; what those held below it lead to is held.
    let cutoff = reach;
    for (const keeper of this.sources.keepers ?? []) cutoff = keeper.keptFrom(cutoff);
    if (cutoff <= base) return false;
    const { held, stragglersHeld } = this.heldBelow(reach);
    for (const id of messages.stragglerIds()) if (!stragglersHeld.has(id)) messages.retireStraggler(id);
    const kept: number[] = [];
    for (let id = base; id < cutoff; id++) if (held[id - base] === 1) kept.push(id);
    if (!this.eagerly && kept.length > (cutoff - base) * MOST_KEPT_APART) return false;
    messages.retireAround(cutoff, kept);
    return true;
  }

  /** The lowest id held by anyone who cannot list what it holds. */
  private oldestUnlisted(): number {
    const { holders, broker } = this.sources;
    let oldest = broker.releaseRead?.() ?? Number.POSITIVE_INFINITY;
    for (const holder of holders) if (holder.forEachHeld === undefined) oldest = Math.min(oldest, holder.oldestHeld());
    return oldest;
  }

  /**
   * Marks (from the base) of the ids held up to `cutoff`, and the stragglers held, with what each leads back to
   * (a flow's root, `MessageKeeper.leadsTo`).
   */
  private heldBelow(cutoff: number): { held: Uint8Array; stragglersHeld: Set<number> } {
    const { messages } = this.sources;
    const base = messages.base;
    const marks = new Uint8Array(cutoff - base);
    const stragglersHeld = new Set<number>();
    const hold = (id: number) => {
      if (id < base) stragglersHeld.add(id);
      else if (id < cutoff) marks[id - base] = 1;
    };
    this.forEachListed(hold, cutoff);
    // (A straggler that a message from the reach on leads back to brings `keptFrom` below the base: no pass then.)
    for (const keeper of this.sources.keepers ?? []) {
      for (const id of [...stragglersHeld]) hold(keeper.leadsTo(id));
      for (let index = 0; index < marks.length; index++) if (marks[index] === 1) hold(keeper.leadsTo(base + index));
    }
    return { held: marks, stragglersHeld };
  }

  /** Visits what the publishes without an answer, open deliveries, the broker and listing holders hold. */
  private forEachListed(visit: (id: number) => void, cutoff: number): void {
    const { messages, deliveries, broker, holders } = this.sources;
    for (const id of messages.stragglerIds()) if (!messages.publishSettled(messages.slot(id))) visit(id);
    const end = Math.min(cutoff, messages.count);
    for (let id = messages.base; id < end; id++) if (!messages.publishSettled(id & messages.mask)) visit(id);
    deliveries.forEachOpen((handle) => visit(deliveries.message(handle)));
    broker.forEachHeld((message) => visit(message));
    for (const holder of holders) holder.forEachHeld?.(visit);
  }
}
