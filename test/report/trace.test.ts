// Proves the trace writer publishes its file only when complete and never leaves its temporary behind:
// a rename onto a directory fails cleanly, the descriptor is closed once, and abandoning twice is harmless.
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TraceWriter } from "../../src/report/trace.js";
import { componentNames } from "../../src/run/names.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const names = componentNames(parsed(scenarioInput()));

describe("TraceWriter", () => {
  it("when the final name is a directory, close fails, removes the temporary and can be abandoned again", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-trace-"));
    const target = join(dir, "events.ndjson");
    mkdirSync(target);
    const trace = new TraceWriter(target, names);
    trace.fault("consumer-crash", "g/1", true, 5);
    expect(() => trace.close()).toThrow(/EISDIR|ENOTEMPTY|EEXIST|directory/i);
    expect(() => trace.abandon()).not.toThrow();
    expect(readdirSync(dir)).toEqual(["events.ndjson"]);
  });

  it("abandoning removes the partial file and nothing is published", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-trace-"));
    const trace = new TraceWriter(join(dir, "events.ndjson"), names);
    trace.abandon();
    trace.abandon();
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, "events.ndjson"))).toBe(false);
  });
});
