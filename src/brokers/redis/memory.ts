import type { Rng } from "../../random/streams.js";
import type { MemorySettings } from "./settings.js";
import { KEY_BYTES } from "./sizes.js";

/**
 * Redis's `maxmemory` against used_memory as Redis counts it: a baseline (the
 * server's own memory and its clients' buffers), plus what each key holds as
 * the caller sizes it (sizes.ts: list elements in quicklist nodes, stream
 * macro nodes, pending entries), plus KEY_BYTES for each key that exists.
 * Before a write that may grow memory, Redis checks
 * whether it is over the limit: under noeviction (and volatile-*, since queue
 * keys have no TTL) it refuses the write with an OOM error; under allkeys-*
 * it evicts whole keys until it is under again. Redis samples keys
 * (maxmemory-samples 5) to approximate LRU/LFU; with a handful of queue keys
 * sampling sees them all, so the choice here is exact. LFU is approximated by
 * a plain access count (no logarithmic counter, no decay); ties go to the
 * least recently used key, then to the lowest key number.
 */
export class Memory {
  /** used_memory, in bytes. */
  used: number;
  private readonly bytes: Float64Array;
  private readonly lastUsed: Float64Array;
  private readonly uses: Float64Array;
  private readonly limit: number;
  private readonly baseline: number;
  private readonly policy: MemorySettings["maxmemory-policy"];
  private evictKey: (key: number) => void = () => {};

  constructor(
    keys: number,
    settings: MemorySettings,
    private readonly clock: { readonly now: number },
    /** Needed only by allkeys-random. */
    private readonly random: Rng | null,
  ) {
    this.bytes = new Float64Array(keys);
    this.lastUsed = new Float64Array(keys);
    this.uses = new Float64Array(keys);
    this.limit = settings.maxmemory;
    this.baseline = settings.baselineMemory;
    this.used = this.baseline;
    this.policy = settings["maxmemory-policy"];
  }

  /** Whether this policy needs a random stream. */
  static needsRandom(settings: MemorySettings): boolean {
    return settings["maxmemory-policy"] === "allkeys-random";
  }

  /** What to run to evict a key: it must drop the key's contents and call `shrink` for them. */
  onEvict(evictKey: (key: number) => void): void {
    this.evictKey = evictKey;
  }

  /** A command read or wrote `key` (for LRU and LFU). */
  touch(key: number): void {
    this.lastUsed[key] = this.clock.now;
    this.uses[key]!++;
  }

  /** The key holds `bytes` more; an empty key (which Redis does not keep) comes into being. */
  grow(key: number, bytes: number): void {
    if (bytes === 0) return;
    if (this.bytes[key] === 0) this.used += KEY_BYTES;
    this.bytes[key]! += bytes;
    this.used += bytes;
  }

  shrink(key: number, bytes: number): void {
    if (bytes === 0) return;
    this.bytes[key]! -= bytes;
    this.used -= bytes;
    if (this.bytes[key] === 0) this.used -= KEY_BYTES;
  }

  /** Forgets all usage; the caller then grows keys back to what survived a crash. */
  reset(): void {
    this.bytes.fill(0);
    this.used = this.baseline;
  }

  /** Whether a key may ever be evicted: a limit, and an allkeys-* policy. */
  get evicts(): boolean {
    return this.limit > 0 && this.policy.startsWith("allkeys-");
  }

  /**
   * Before a command flagged denyoom (LPUSH, XADD, BLMOVE, LMOVE): evicts if
   * the policy allows; false means an OOM error.
   */
  admitWrite(): boolean {
    if (this.limit === 0) return true;
    while (this.used > this.limit) {
      const victim = this.policy.startsWith("allkeys-") ? this.victim() : -1;
      if (victim < 0) return false;
      this.evictKey(victim);
      if (this.bytes[victim]! > 0) throw new Error(`invariant: evicting key ${victim} left bytes behind`);
    }
    return true;
  }

  private victim(): number {
    let best = -1;
    let candidates = 0;
    for (let key = 0; key < this.bytes.length; key++) {
      if (this.bytes[key]! <= 0) continue;
      candidates++;
      if (best < 0 || this.colder(key, best)) best = key;
    }
    if (this.policy !== "allkeys-random" || candidates === 0) return best;
    let pick = Math.floor(this.random!() * candidates);
    for (let key = 0; key < this.bytes.length; key++) {
      if (this.bytes[key]! > 0 && pick-- === 0) return key;
    }
    return best;
  }

  private colder(key: number, than: number): boolean {
    if (this.policy === "allkeys-lfu" && this.uses[key] !== this.uses[than]) return this.uses[key]! < this.uses[than]!;
    return this.lastUsed[key]! < this.lastUsed[than]!;
  }
}
