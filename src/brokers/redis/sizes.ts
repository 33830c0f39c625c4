/**
 * What Redis 7.0 allocates for queue data, in bytes, as used_memory counts it
 * (the jemalloc size class of each allocation). Sources: listpack.c (entry
 * encodings), quicklist.c (node limits), t_stream.c (stream entries and macro
 * nodes), jemalloc 5.3's size classes; the constants marked "measured" were
 * read from INFO memory of a real 7.0.15 server (see docs/brokers/redis.md).
 */

/**
 * What a list's listpack node costs beyond its listpack: the 32-byte quicklistNode and 16 bytes
 * more. Measured: a list's ninth 1,000-byte element (a new node) costs 1,072 B, 1,024 of them listpack.
 */
const LIST_NODE_BYTES = 48;
/** list-max-listpack-size -2 (the default): a list's listpack nodes hold at most 8 KB. */
const LIST_NODE_LIMIT = 8192;
/** quicklist.c SIZE_ESTIMATE_OVERHEAD: what an insert adds beyond the value, as estimated. */
const LIST_INSERT_ESTIMATE = 8;
/** A listpack's header (total bytes, count) and end byte. */
const LISTPACK_FIXED_BYTES = 7;
/**
 * A key that exists: its dict entry, key sds, value object and the type's
 * header (quicklist or stream struct). Measured: a one-element list of a
 * 1,000-byte value costs 1,208 B: 1,024 of listpack, 48 of node, 136 of key.
 */
export const KEY_BYTES = 136;
/**
 * One pending entry: its streamNACK (24 B, class 32) and its keys in the
 * group's and the consumer's PEL radix trees. Measured: 2,000 entries pending
 * after one XREADGROUP add 203,272 B, 101.6 B each.
 */
export const PEL_ENTRY_BYTES = 102;
/**
 * A stream macro node's place in the stream's radix tree (16-byte ID key). Measured: 8,000
 * one-field 1,000-byte entries, four to a 4,096-byte listpack, add 1,031.6 B each: ~30 B per node.
 */
export const STREAM_NODE_BYTES = 30;
/**
 * The fixed part of a stream macro node's listpack: its header and end (7),
 * and the master entry for one field named "m": count, deleted, field count,
 * the field, the terminator (2 + 2 + 2 + 3 + 2).
 */
export const STREAM_NODE_FIXED_BYTES = LISTPACK_FIXED_BYTES + 11;
/** The one field name a stream entry is taken to have ("m"), whose length counts towards stream-node-max-bytes. */
export const STREAM_FIELD_BYTES = 1;

/** jemalloc's size class for an allocation: 8, 16, 32, 48 … 128, then 4 classes per doubling. */
export function sizeClass(bytes: number): number {
  if (bytes <= 8) return 8;
  if (bytes <= 128) return Math.ceil(bytes / 16) * 16;
  // floor(log2) of a value below 2^32 is exactly 31 - clz32, and a shift is a fraction of 2 ** (Math.log2 ...)'s
  // cost (stream appends call this twice).
  const group = bytes - 1 < 2 ** 32 ? (1 << (31 - Math.clz32(bytes - 1))) >>> 0 : 2 ** Math.floor(Math.log2(bytes - 1));
  const step = group / 4;
  return Math.ceil(bytes / step) * step;
}

/** A string of `length` bytes as a listpack entry: encoding header, data, back-length. */
export function listpackStringBytes(length: number): number {
  const header = length < 64 ? 1 : length < 4096 ? 2 : 5;
  return header + length + backlenBytes(header + length);
}

/** An integer as a listpack entry (7-bit, 13-, 16-, 24-, 32- or 64-bit encoding, plus back-length). */
export function listpackIntegerBytes(value: number): number {
  if (value >= 0 && value <= 127) return 2;
  if (value >= -4096 && value <= 4095) return 3;
  if (value >= -32768 && value <= 32767) return 4;
  if (value >= -8388608 && value <= 8388607) return 5;
  if (value >= -2147483648 && value <= 2147483647) return 6;
  return 10;
}

function backlenBytes(entryBytes: number): number {
  if (entryBytes <= 127) return 1;
  if (entryBytes < 16383) return 2;
  if (entryBytes < 2097151) return 3;
  if (entryBytes < 268435455) return 4;
  return 5;
}

const listElementCache = new Map<number, number>();
let lastListSize = Number.NaN;
let lastListBytes = 0;

/**
 * One list element of `size` bytes in a long list, its share of a full
 * quicklist node: quicklist.c lets a node take another entry while its
 * listpack plus the value plus 8 stays within 8 KB, so 1,000-byte values go 8
 * to a node (8,039 B, class 8,192, plus 48 B of node): 1,030 B each, as
 * measured. A list's partly filled head node is counted at the same rate.
 */
export function listElementBytes(size: number): number {
  // Messages mostly share one size: the last answer spares a Map lookup per push and pop.
  if (size === lastListSize) return lastListBytes;
  const cached = listElementCache.get(size);
  if (cached !== undefined) {
    lastListSize = size;
    lastListBytes = cached;
    return cached;
  }
  const entry = listpackStringBytes(size);
  const room = LIST_NODE_LIMIT - LISTPACK_FIXED_BYTES - LIST_INSERT_ESTIMATE - size;
  const perNode = room < 0 ? 1 : Math.floor(room / entry) + 1;
  const node = sizeClass(LISTPACK_FIXED_BYTES + perNode * entry) + LIST_NODE_BYTES;
  const bytes = Math.round(node / perNode);
  listElementCache.set(size, bytes);
  lastListSize = size;
  lastListBytes = bytes;
  return bytes;
}

/**
 * A stream entry's bytes in its macro node's listpack when it has the master
 * entry's fields (the flag SAMEFIELDS): flags, ms and seq differences from the
 * master ID, the value, and the entry's element count (t_stream.c
 * streamAppendItem). `msSinceMaster` is the entry's millisecond minus the
 * node's first entry's; the seq difference is taken to be small.
 */
export function streamEntryBytes(size: number, msSinceMaster: number): number {
  return 2 + listpackIntegerBytes(msSinceMaster) + 2 + listpackStringBytes(size) + 2;
}
