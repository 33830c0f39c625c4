// Proves the kafka profile places records where a Java producer would: keys by murmur2 as `key-<index>`, null keys in sticky batches of batch.size bytes.
import { describe, expect, it } from "vitest";
import { partitionForKey } from "../../../src/brokers/kafka/partitioner.js";
import { runKafka } from "./run.js";

// Hashes printed by the Java client's Utils.murmur2 (tulios/kafkajs src/producer/partitioners/defaultJava/murmur2.spec.js,
// "Generated with ... Test.java"); a 12-partition topic puts each at toPositive(hash) % 12.
const JAVA_HASHES: ReadonlyArray<readonly [string, number]> = [
  ["0", 971027396],
  ["1", -1993445489],
  ["128", -326012175],
  ["2187", -1508407203],
  ["16384", -325739742],
  ["78125", -1654490814],
  ["279936", 1462227128],
  ["823543", -2014198330],
  ["2097152", 607668903],
  ["4782969", -1182699775],
];

// The profile names key index k `key-k`. Partitions of key-0..key-9 in 12 partitions, computed with the BigInt
// transliteration of Utils.murmur2 in partitioner.test.ts (independent of the Math.imul hash the profile uses).
const PROFILE_KEYS_12 = [1, 0, 2, 11, 9, 8, 8, 7, 7, 9];

describe("kafka partitioning", () => {
  it("puts 10 keys in the partitions the Java client's murmur2 partitioner picks", () => {
    const expected = JAVA_HASHES.map(([, hash]) => (hash & 0x7fffffff) % 12);
    expect(expected).toEqual([8, 3, 5, 5, 2, 2, 8, 10, 3, 1]);
    expect(JAVA_HASHES.map(([key]) => partitionForKey(key, 12))).toEqual(expected);
  });

  it("records key index k in the partition of the string key-k", () => {
    const { log } = runKafka(
      {
        duration: "1s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "200/s" }, keys: { count: 10 } }],
      },
      {},
      12,
    );
    const { messages } = log;
    const partitionOfKey = new Map<number, Set<number>>();
    for (let id = 0; id < messages.count; id++) {
      const key = messages.key[id]!;
      partitionOfKey.set(key, (partitionOfKey.get(key) ?? new Set()).add(messages.partition[id]!));
    }
    const keys = [...partitionOfKey.keys()].sort((a, b) => a - b);
    expect(keys).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(keys.map((key) => [...partitionOfKey.get(key)!])).toEqual(PROFILE_KEYS_12.map((p) => [p]));
  });

  it("keeps null-key records of one producer on one partition until batch.size bytes, then moves on", () => {
    const { log } = runKafka(
      {
        duration: "1s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, size: "1000B" }],
      },
      { "batch.size": 4000 },
      4,
    );
    const { messages } = log;
    const runs: number[] = [];
    let previous = -1;
    for (let id = 0; id < messages.count; id++) {
      const partition = messages.partition[id]!;
      if (partition === previous) runs[runs.length - 1]!++;
      else runs.push(1);
      previous = partition;
    }
    // 4 records of 1000 B fill a 4000 B batch; the fourth still goes to the old partition.
    expect(runs.slice(0, -1).every((run) => run === 4)).toBe(true);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(99);
  });
});
