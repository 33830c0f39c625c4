// Proves the Kafka partitioner hashes keys bit-for-bit like the Java client and that the null-key sticky partitioner switches as specified.
import fc from "fast-check";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import {
  murmur2,
  partitionForKey,
  partitionForKeyIndex,
  StickyPartitioner,
  toPositive,
} from "../../../src/brokers/kafka/partitioner.js";

const ascii = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

// apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
const KAFKA_UTILS_TEST: ReadonlyArray<readonly [string, number]> = [
  ["21", -973932308],
  ["foobar", -790332482],
  ["a-little-bit-long-string", -985981536],
  ["a-little-bit-longer-string", -1486304829],
  ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
  ["abc", 479470107],
];

// confluentinc/librdkafka src/rdmurmur2.c, unittest_murmur2 `java_murmur2_results` (int32 hex as printed there).
// The suffixes of "1234" and of the long string walk every tail length 0..3, and "" covers the no-block case.
const LIBRDKAFKA_JAVA_RESULTS: ReadonlyArray<readonly [string, number]> = [
  ["kafka", 0xd067cf64 | 0],
  ["giberish123456789", 0x8f552b0c | 0],
  ["1234", 0x9fc97b14 | 0],
  ["234", 0xe7c009ca | 0],
  ["34", 0x873930da | 0],
  ["4", 0x5a4b5ca1 | 0],
  ["PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c | 0],
  ["reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377 | 0],
  ["eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09e | 0],
  ["AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43f | 0],
  ["", 0x106e08d9 | 0],
];

// akka/akka akka-cluster-sharding-typed/src/test/scala/akka/cluster/sharding/typed/internal/Murmur2Spec.scala,
// stated there as values from Kafka's Utils.murmur2; short keys hit each tail branch on its own.
const AKKA_MURMUR2_SPEC: ReadonlyArray<readonly [string, number]> = [
  ["1", -1993445489],
  ["12", 126087238],
  ["123", -267702483],
  ["1234", -1614185708],
  ["12345", -1188365604],
];

/**
 * Straight transliteration of Java's Utils.murmur2 using BigInt mod 2^32, with no Math.imul or
 * int32 coercion tricks, so a sign or overflow slip in the fast version cannot hide in both.
 */
function referenceMurmur2(data: Uint8Array): number {
  const MASK = 0xffffffffn;
  const m = 0x5bd1e995n;
  let h = (0x9747b28cn ^ BigInt(data.length)) & MASK;
  const length4 = Math.floor(data.length / 4);
  for (let i = 0; i < length4; i++) {
    let k =
      BigInt(data[4 * i]!) +
      (BigInt(data[4 * i + 1]!) << 8n) +
      (BigInt(data[4 * i + 2]!) << 16n) +
      (BigInt(data[4 * i + 3]!) << 24n);
    k = (k * m) & MASK;
    k ^= k >> 24n;
    k = (k * m) & MASK;
    h = (h * m) & MASK;
    h ^= k;
  }
  const tail = length4 * 4;
  const rem = data.length % 4;
  if (rem >= 3) h ^= BigInt(data[tail + 2]!) << 16n;
  if (rem >= 2) h ^= BigInt(data[tail + 1]!) << 8n;
  if (rem >= 1) {
    h ^= BigInt(data[tail]!);
    h = (h * m) & MASK;
  }
  h ^= h >> 13n;
  h = (h * m) & MASK;
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

describe("murmur2", () => {
  it.each(KAFKA_UTILS_TEST)("matches Kafka UtilsTest for %j", (key, expected) => {
    expect(murmur2(ascii(key))).toBe(expected);
  });

  it.each(LIBRDKAFKA_JAVA_RESULTS)("matches librdkafka's Java-derived result for %j", (key, expected) => {
    expect(murmur2(ascii(key))).toBe(expected);
  });

  it.each(AKKA_MURMUR2_SPEC)("matches Akka's Kafka-derived result for %j", (key, expected) => {
    expect(murmur2(ascii(key))).toBe(expected);
  });

  it("agrees with a BigInt transliteration on random bytes, including bytes >= 0x80", () => {
    // The published vectors are all ASCII; Java's signed bytes only matter above 0x7f.
    const rng = seedrandom.alea("murmur2-differential");
    for (let trial = 0; trial < 2000; trial++) {
      const bytes = new Uint8Array(Math.floor(rng() * 70));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng() * 256);
      expect(murmur2(bytes), `bytes ${Array.from(bytes).join(",")}`).toBe(referenceMurmur2(bytes));
    }
  });

  it("returns a signed 32-bit integer like a Java int", () => {
    for (const [key] of [...KAFKA_UTILS_TEST, ...LIBRDKAFKA_JAVA_RESULTS]) {
      const h = murmur2(ascii(key));
      expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true);
    }
  });
});

describe("toPositive", () => {
  it("clears the sign bit instead of negating", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-973932308)).toBe(1173551340);
    expect(toPositive(479470107)).toBe(479470107);
  });

  it("maps Integer.MIN_VALUE to 0, where Math.abs would leave it out of int range", () => {
    expect(toPositive(-(2 ** 31))).toBe(0);
  });
});

describe("partitionForKey", () => {
  // Expected partitions are (hash & 0x7fffffff) % n worked out from the published hash literals
  // above, not from this implementation.
  const EXPECTED: ReadonlyArray<readonly [string, { p12: number; p7: number; p100: number }]> = [
    ["21", { p12: 0, p7: 3, p100: 40 }],
    ["foobar", { p12: 6, p7: 0, p100: 66 }],
    ["a-little-bit-long-string", { p12: 8, p7: 1, p100: 12 }],
    ["a-little-bit-longer-string", { p12: 11, p7: 0, p100: 19 }],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", { p12: 5, p7: 3, p100: 77 }],
    ["abc", { p12: 3, p7: 4, p100: 7 }],
    ["kafka", { p12: 4, p7: 3, p100: 80 }],
    ["giberish123456789", { p12: 8, p7: 5, p100: 20 }],
    ["1234", { p12: 0, p7: 0, p100: 40 }],
    ["PreAmbleWillBeRemoved,ThePrePartThatIs", { p12: 8, p7: 1, p100: 48 }],
  ];

  it.each(EXPECTED)("places %j where the Java client would", (key, { p12, p7, p100 }) => {
    expect(partitionForKey(key, 12)).toBe(p12);
    expect(partitionForKey(key, 7)).toBe(p7);
    expect(partitionForKey(key, 100)).toBe(p100);
  });

  it("hashes the UTF-8 encoding, as Kafka's StringSerializer produces, not UTF-16 code units", () => {
    const utf8Bytes = new Uint8Array([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]); // "héllo"
    expect(partitionForKey("héllo", 1000)).toBe(toPositive(murmur2(utf8Bytes)) % 1000);
    const astral = new Uint8Array([0x6b, 0xf0, 0x9f, 0x9a, 0x80]); // "k🚀": surrogate pair -> 4 bytes
    expect(partitionForKey("k🚀", 1000)).toBe(toPositive(murmur2(astral)) % 1000);
    // Guard against the test above passing vacuously: the code-unit reading must hash differently.
    expect(murmur2(utf8Bytes)).not.toBe(murmur2(new Uint8Array([0x68, 0xe9, 0x6c, 0x6c, 0x6f])));
  });

  it("hashes every key's UTF-8 bytes, whether ASCII (written in place), longer than its buffer or not ASCII", () => {
    const encoder = new TextEncoder();
    const kinds = [
      fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
      fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((tail) => "k".repeat(250) + tail),
      fc.string({ unit: "binary", maxLength: 40 }),
    ];
    for (const keys of kinds) {
      fc.assert(
        fc.property(keys, (key) => {
          expect(partitionForKey(key, 1000)).toBe(toPositive(murmur2(encoder.encode(key))) % 1000);
        }),
        { seed: 12, numRuns: 100 },
      );
    }
    // A non-ASCII key after a long ASCII one: nothing of the first is left in what the second hashes.
    partitionForKey("x".repeat(200), 7);
    expect(partitionForKey("é", 1000)).toBe(toPositive(referenceMurmur2(encoder.encode("é"))) % 1000);
  });

  it("rejects partition counts that Kafka topics cannot have", () => {
    expect(() => partitionForKey("k", 0)).toThrow(RangeError);
    expect(() => partitionForKey("k", 2.5)).toThrow(RangeError);
    expect(() => partitionForKey("k", Number.NaN)).toThrow(RangeError);
  });
});

/** Replays fixed rng outputs so the exact partition arithmetic can be checked. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => {
    const v = values[i++];
    if (v === undefined) throw new Error("scripted rng exhausted");
    return v;
  };
}

/** Feeds records and returns the run of partitions chosen, one entry per record. */
function produce(p: StickyPartitioner, sizes: number[]): number[] {
  return sizes.map((s) => p.partitionFor(s));
}

describe("StickyPartitioner", () => {
  it("stays put until batch.size bytes are produced; the crossing record still goes to the old partition", () => {
    const p = new StickyPartitioner(6, 100, seedrandom.alea("sticky-threshold"));
    // 30+30+30 = 90 < 100, the fourth record reaches 120 and is the last one on this partition.
    const chosen = produce(p, [30, 30, 30, 30, 30]);
    const first = chosen[0]!;
    expect(chosen.slice(0, 4)).toEqual([first, first, first, first]);
    expect(chosen[4]).not.toBe(first);
  });

  it("switches at exactly batch.size, not only above it", () => {
    const p = new StickyPartitioner(6, 100, seedrandom.alea("sticky-exact"));
    const chosen = produce(p, [50, 50, 1]);
    expect(chosen[1]).toBe(chosen[0]);
    expect(chosen[2]).not.toBe(chosen[0]);
  });

  it("restarts the byte count on the new partition", () => {
    const p = new StickyPartitioner(8, 100, seedrandom.alea("sticky-reset"));
    // If the 20-byte overshoot carried over, the second partition would be left after 80 bytes, not 100.
    const chosen = produce(p, [60, 60, 40, 40, 20, 1]);
    expect(chosen[2]).not.toBe(chosen[1]);
    expect(chosen.slice(2, 5)).toEqual([chosen[2], chosen[2], chosen[2]]);
    expect(chosen[5]).not.toBe(chosen[4]);
  });

  it("switches after every record when each record alone fills a batch", () => {
    const p = new StickyPartitioner(5, 100, seedrandom.alea("sticky-large"));
    const chosen = produce(
      p,
      Array.from({ length: 200 }, () => 150),
    );
    for (let i = 1; i < chosen.length; i++) expect(chosen[i]).not.toBe(chosen[i - 1]);
  });

  it.each([2, 3, 12])("never picks the partition it is leaving (%i partitions)", (partitions) => {
    const p = new StickyPartitioner(partitions, 16_384, seedrandom.alea(`sticky-no-repeat-${partitions}`));
    const chosen = produce(
      p,
      Array.from({ length: 5000 }, () => 4096),
    );
    for (let i = 1; i < chosen.length; i++) {
      const prev = chosen[i - 1]!;
      const cur = chosen[i]!;
      expect(cur).toBeGreaterThanOrEqual(0);
      expect(cur).toBeLessThan(partitions);
      if (i % 4 === 0) {
        expect(cur, `switch at record ${i}`).not.toBe(prev);
      } else {
        expect(cur, `record ${i} should stay`).toBe(prev);
      }
    }
  });

  it("chooses the next partition uniformly among the others", () => {
    const partitions = 6;
    const p = new StickyPartitioner(partitions, 1, seedrandom.alea("sticky-uniform"));
    // Counting transitions out of each partition separately catches a bias toward neighbours,
    // which the overall histogram would average away.
    const transitions = Array.from({ length: partitions }, () => new Array<number>(partitions).fill(0));
    let prev = p.partitionFor(1);
    for (let i = 0; i < 60_000; i++) {
      const cur = p.partitionFor(1);
      transitions[prev]![cur]!++;
      prev = cur;
    }
    for (let from = 0; from < partitions; from++) {
      const row = transitions[from]!;
      const total = row.reduce((a, b) => a + b, 0);
      expect(row[from]).toBe(0);
      for (let to = 0; to < partitions; to++) {
        if (to === from) continue;
        // ~2000 draws per cell: a 20% band is over 8 standard deviations wide.
        expect(row[to]! / (total / (partitions - 1))).toBeGreaterThan(0.8);
        expect(row[to]! / (total / (partitions - 1))).toBeLessThan(1.2);
      }
    }
  });

  it("maps rng draws to partitions exactly, skipping the partition being left", () => {
    // 4 partitions: first pick floor(0.5*4)=2. Later draws index the 3 slots left after removing the
    // current partition: leaving 2, 0.0 -> slot 0 -> 0; leaving 0, 0.99 -> slot 2 -> 3;
    // leaving 3, 0.4 -> slot 1 -> 1. The last draw is the switch after the fourth record.
    const p = new StickyPartitioner(4, 10, scripted([0.5, 0.0, 0.99, 0.4, 0.0]));
    expect(produce(p, [10, 10, 10, 10])).toEqual([2, 0, 3, 1]);
  });

  it("stays in range when the rng returns exactly 1", () => {
    const p = new StickyPartitioner(4, 10, scripted([1, 1, 1]));
    expect(produce(p, [10, 10])).toEqual([3, 2]);
  });

  it("draws nothing from the rng when the choice is forced", () => {
    let draws = 0;
    const counting = () => {
      draws++;
      return 0.5;
    };
    const single = new StickyPartitioner(1, 10, counting);
    expect(produce(single, [10, 10, 10])).toEqual([0, 0, 0]);
    const pair = new StickyPartitioner(2, 10, counting);
    const chosen = produce(pair, [10, 10, 10, 10]);
    expect(chosen).toEqual([1, 0, 1, 0]);
    // Only the pair's initial pick is a real choice.
    expect(draws).toBe(1);
  });

  it("does not touch the rng until the first record", () => {
    let draws = 0;
    new StickyPartitioner(8, 10, () => {
      draws++;
      return 0;
    });
    expect(draws).toBe(0);
  });

  it("is reproducible from the seed", () => {
    const sizes = Array.from({ length: 500 }, (_, i) => 100 + (i % 7) * 300);
    const a = produce(new StickyPartitioner(12, 16_384, seedrandom.alea("same")), sizes);
    const b = produce(new StickyPartitioner(12, 16_384, seedrandom.alea("same")), sizes);
    const c = produce(new StickyPartitioner(12, 16_384, seedrandom.alea("different")), sizes);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it("rejects invalid configuration and record sizes", () => {
    const rng = seedrandom.alea("invalid");
    expect(() => new StickyPartitioner(0, 100, rng)).toThrow(RangeError);
    expect(() => new StickyPartitioner(3, 0, rng)).toThrow(RangeError);
    expect(() => new StickyPartitioner(3, Number.POSITIVE_INFINITY, rng)).toThrow(RangeError);
    const p = new StickyPartitioner(3, 100, rng);
    expect(() => p.partitionFor(-1)).toThrow(RangeError);
    expect(() => p.partitionFor(Number.NaN)).toThrow(RangeError);
  });
});

describe("partitionForKeyIndex", () => {
  it("places key index k exactly where partitionForKey puts the string key-k", () => {
    const edges = [0, 1, 9, 10, 99, 100, 65_535, 65_536, 999_999, 1_000_000, 2 ** 31 - 1, 2 ** 40 + 7];
    for (const partitions of [1, 3, 12, 100, 65_536]) {
      for (const index of edges)
        expect(partitionForKeyIndex(index, partitions)).toBe(partitionForKey(`key-${index}`, partitions));
    }
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 10_000 }), (index, partitions) => {
        expect(partitionForKeyIndex(index, partitions)).toBe(partitionForKey(`key-${index}`, partitions));
      }),
      { seed: 12, numRuns: 2000 },
    );
  });
});
