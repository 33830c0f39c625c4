/**
 * Kafka producer partitioning: the keyed hash partitioner and the sticky partitioner for null keys.
 *
 * Pure and dependency-free so that the Kafka profile can place keys exactly where a real Java
 * producer would, which matters for any scenario that compares per-partition ordering or skew
 * against a real cluster.
 *
 * References (apache/kafka):
 * - clients/src/main/java/org/apache/kafka/common/utils/Utils.java (murmur2, toPositive)
 * - clients/src/main/java/org/apache/kafka/clients/producer/internals/BuiltInPartitioner.java
 *   (partitionForKey, KIP-794 sticky switching)
 * - clients/src/main/java/org/apache/kafka/clients/producer/internals/StickyPartitionCache.java
 *   (the pre-3.3 sticky partitioner, which never re-picks the partition it is leaving)
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's fixed seed, returned as a signed 32-bit
 * integer exactly as Java's `int` would hold it.
 *
 * Java `int` arithmetic wraps at 32 bits; in JS a plain `*` on two 32-bit values loses low bits in
 * the float64 result, so every multiply goes through `Math.imul`, and `>>>` stands in for Java's
 * unsigned shift. The block read uses `+` like the Java source; on disjoint byte lanes it equals `|`.
 * `length` hashes only the first bytes, so a caller can reuse one buffer for every key.
 */
export function murmur2(bytes: Uint8Array, length = bytes.length): number {
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4]! | (bytes[i4 + 1]! << 8) | (bytes[i4 + 2]! << 16) | (bytes[i4 + 3]! << 24) | 0;
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's `switch (length % 4)` falls through from case 3 to case 1; the cumulative ifs reproduce
  // that, including the single multiply that only happens when there is any tail at all.
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining >= 3) h ^= bytes[tail + 2]! << 16;
  if (remaining >= 2) h ^= bytes[tail + 1]! << 8;
  if (remaining >= 1) {
    h ^= bytes[tail]!;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit rather than taking `abs`, so `-2^31` maps to 0
 * instead of staying negative. Changing this would move keys to different partitions than Java.
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

const utf8 = new TextEncoder();
/** The UTF-8 bytes of an ASCII key, written in place: one buffer for every key. */
const asciiBytes = new Uint8Array(256);

/**
 * `BuiltInPartitioner.partitionForKey` for a key serialized with Kafka's default `StringSerializer`
 * (UTF-8). A custom serializer would hash different bytes; callers with such keys should hash the
 * serialized bytes themselves via `murmur2`.
 */
export function partitionForKey(key: string, partitions: number): number {
  assertPartitionCount(partitions);
  const length = asciiInto(key, asciiBytes);
  const hash = length >= 0 ? murmur2(asciiBytes, length) : murmur2(utf8.encode(key));
  return toPositive(hash) % partitions;
}

/** The bytes of "key-", which every scenario key index is named with. */
const KEY_PREFIX = [0x6b, 0x65, 0x79, 0x2d];

/**
 * `partitionForKey(\`key-${index}\`, partitions)` without building the string: the decimal digits of `index`
 * (a non-negative integer) go straight into the byte buffer after "key-". Each of a run's keys is hashed once,
 * and the string, then read back char by char, was most of that.
 */
export function partitionForKeyIndex(index: number, partitions: number): number {
  assertPartitionCount(partitions);
  let digits = 1;
  for (let rest = index; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const length = KEY_PREFIX.length + digits;
  for (let at = 0; at < KEY_PREFIX.length; at++) asciiBytes[at] = KEY_PREFIX[at]!;
  let rest = index;
  for (let at = length - 1; at >= KEY_PREFIX.length; at--) {
    asciiBytes[at] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return toPositive(murmur2(asciiBytes, length)) % partitions;
}

/**
 * Writes an ASCII `text` into `bytes` (its UTF-8 encoding is its char codes) and returns its length, or -1 for
 * text that is not ASCII or does not fit. TextEncoder.encode makes a new array per call: about 2% of a keyed
 * run with 65,536 keys, every key hashed once.
 */
function asciiInto(text: string, bytes: Uint8Array): number {
  if (text.length > bytes.length) return -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return -1;
    bytes[index] = code;
  }
  return text.length;
}

/**
 * Sticky partitioner for records with a null key (KIP-794, Kafka 3.3+), minus broker load.
 *
 * Like Kafka, it stays on one partition until at least `batchSizeBytes` have been produced to it;
 * the record that crosses the threshold still goes to the old partition and the switch applies to
 * the next record. The first partition is chosen lazily on the first record, as Kafka does, so an
 * unused partitioner consumes no randomness.
 *
 * Simplifications, all deliberate:
 * - No adaptive partitioning: Kafka weights the next partition by inverse queue depth per broker
 *   (`partitioner.adaptive.partitioning.enable`) and can exclude slow brokers
 *   (`partitioner.availability.timeout.ms`). Here every partition is a candidate.
 * - The next partition is uniform among the *other* partitions. Kafka 3.3+ draws uniformly among
 *   all available partitions and may re-draw the current one; the pre-3.3 StickyPartitionCache
 *   excluded it. Excluding it makes "one batch per partition before switching" hold exactly, which
 *   keeps simulated batches predictable.
 * - No batch-readiness deferral: Kafka may postpone the switch until the open batch is ready to
 *   send (up to 2x batch.size); here the switch happens at exactly batch.size.
 * - `sizeBytes` is whatever the caller counts (typically record size); Kafka counts bytes appended
 *   to the batch, which include record framing and are affected by compression.
 * - All partitions are assumed to have a leader (Kafka only picks from available partitions).
 */
export class StickyPartitioner {
  private readonly partitions: number;
  private readonly batchSizeBytes: number;
  private readonly rng: () => number;
  private current: number | undefined;
  private producedBytes = 0;

  /** `rng` must return values in [0, 1), like `seedrandom.alea`; inject a seeded one for determinism. */
  constructor(partitions: number, batchSizeBytes: number, rng: () => number) {
    assertPartitionCount(partitions);
    // Kafka rejects stickyBatchSize < 1 for the same reason: a zero threshold would switch forever.
    if (!Number.isFinite(batchSizeBytes) || batchSizeBytes < 1) {
      throw new RangeError(`batchSizeBytes must be >= 1, got ${batchSizeBytes}`);
    }
    this.partitions = partitions;
    this.batchSizeBytes = batchSizeBytes;
    this.rng = rng;
  }

  partitionFor(sizeBytes: number): number {
    if (!Number.isFinite(sizeBytes) || sizeBytes < 0) {
      throw new RangeError(`sizeBytes must be a non-negative finite number, got ${sizeBytes}`);
    }
    const partition = this.current ?? this.randomIndex(this.partitions);
    this.producedBytes += sizeBytes;
    if (this.producedBytes >= this.batchSizeBytes) {
      this.current = this.nextPartition(partition);
      this.producedBytes = 0;
    } else {
      this.current = partition;
    }
    return partition;
  }

  private nextPartition(leaving: number): number {
    if (this.partitions === 1) return leaving;
    // Draw among partitions-1 slots and skip over the one being left: uniform over the others.
    const pick = this.randomIndex(this.partitions - 1);
    return pick >= leaving ? pick + 1 : pick;
  }

  private randomIndex(n: number): number {
    // A forced choice draws nothing, so the rng is consumed only when there is a real choice to make.
    if (n === 1) return 0;
    // Clamp guards an rng that returns exactly 1, which would otherwise index one past the end.
    return Math.min(n - 1, Math.floor(this.rng() * n));
  }
}

function assertPartitionCount(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
}
