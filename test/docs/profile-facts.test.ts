// Proves docs/brokers.md states each profile's promises as its descriptor does: the table between the facts markers is rendered from src/brokers/*/profile.ts (rewrite it with UPDATE_DOCS=1).
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProfileFacts } from "../../src/brokers/profile.js";
import { profiles } from "../../src/brokers/profiles.js";

const page = resolve(import.meta.dirname, "../../docs/brokers.md");
const START =
  "<!-- profile facts: generated from each profile's descriptor; UPDATE_DOCS=1 npx vitest run test/docs -->";
const END = "<!-- end of profile facts -->";

const ordering: Record<ProfileFacts["ordering"], string> = {
  "per-producer": "each producer's order",
  "per-partition": "per partition (key or message group)",
  none: "none promised",
};
const keeps: Record<ProfileFacts["keepsSent"], string> = {
  "until-settled": "until acked",
  "on-send": "no: gone once sent",
};
const yes = (value: boolean) => (value ? "yes" : "");

function table(): string {
  const rows = profiles.map(({ name, facts }) =>
    [
      `\`${name}\``,
      ordering[facts.ordering],
      keeps[facts.keepsSent] + (facts.everyConsumerGetsAll ? "; every instance gets every message" : ""),
      facts.crashDetection,
      yes(facts.priorities),
      yes(facts.routing),
      yes(facts.partitions),
    ].join(" | "),
  );
  return [
    "| `broker.profile` | Order (one consumer per group, no faults) | Keeps a sent message | A consumer crash is noticed | Priorities | Routing | Partitions |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row} |`),
  ].join("\n");
}

describe("docs/brokers.md", () => {
  it("shows every profile's facts as its descriptor states them", () => {
    const text = readFileSync(page, "utf8");
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, "docs/brokers.md lacks the profile facts markers").toBeGreaterThan(-1);
    const written = text.slice(start + START.length, end).trim();
    if (process.env.UPDATE_DOCS && written !== table()) {
      writeFileSync(page, `${text.slice(0, start + START.length)}\n${table()}\n${text.slice(end)}`);
      return;
    }
    expect(written).toBe(table());
  });
});
