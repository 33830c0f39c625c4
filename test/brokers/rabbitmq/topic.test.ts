// Proves AMQP topic matching as RabbitMQ does it: `*` is exactly one word, `#` zero or more, the empty key has no words and an empty word between dots is a word.
import { describe, expect, it } from "vitest";
import { topicMatches, topicWords } from "../../../src/brokers/rabbitmq/topic.js";

const table: [pattern: string, key: string, matches: boolean][] = [
  ["orders.*.created", "orders.eu.created", true],
  ["orders.*.created", "orders.created", false],
  ["orders.*.created", "orders.eu.west.created", false],
  ["orders.eu.#", "orders.eu", true],
  ["orders.eu.#", "orders.eu.created", true],
  ["orders.eu.#", "orders.eu.created.v2", true],
  ["orders.eu.#", "orders.us.created", false],
  ["orders.eu.#", "orders.europe.created", false],
  ["#", "", true],
  ["#", "anything.at.all", true],
  ["#.#", "", true],
  ["*", "", false],
  ["*", "one", true],
  ["*", "one.two", false],
  ["", "", true],
  ["a", "", false],
  ["#.created", "created", true],
  ["#.created", "orders.eu.created", true],
  ["#.created", "orders.eu.cancelled", false],
  ["a.#.b", "a.b", true],
  ["a.#.b", "a.x.y.b", true],
  ["a.#.b", "a.x.y", false],
  ["a.*.#", "a", false],
  ["a.*.#", "a.b", true],
  ["a.*.#", "a.b.c.d", true],
  ["*.#.*", "a", false],
  ["*.#.*", "a.b", true],
  ["#.*.#", "a.b.c", true],
  ["a.*.b", "a..b", true],
  ["a.b", "a..b", false],
  ["*", ".", false],
  ["*.*", ".", true],
  ["a.*", "a.", true],
  // Wildcards count only as whole words; elsewhere they are ordinary characters.
  ["orders.e*", "orders.eu", false],
  ["orders.e*", "orders.e*", true],
  ["orders#", "orders.eu", false],
  // Matching is exact and case-sensitive.
  ["orders.eu.created", "orders.eu.created", true],
  ["orders.eu.created", "Orders.eu.created", false],
];

describe("topic matching", () => {
  it.each(table)("pattern %j against key %j: %s", (pattern, key, matches) => {
    expect(topicMatches(pattern, key)).toBe(matches);
  });

  it("splits keys into words, the empty key into none", () => {
    expect(topicWords("")).toEqual([]);
    expect(topicWords("a..b")).toEqual(["a", "", "b"]);
    expect(topicWords(".")).toEqual(["", ""]);
  });
});
