import { describe, expect, it } from "vitest";
import { formatIssue, formatPath, type ScenarioIssue } from "../../src/scenario/issues.js";
import { refusedIssues, runRefusedFile } from "../helpers/scenario.js";

const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** A scenario whose consumers section is `consumers` (lines), on `profile`. */
function flow(consumers: string[], profile = "fifo"): string {
  return yaml(
    "name: flow",
    "duration: 5s",
    `broker: {profile: ${profile}}`,
    "producers: [{name: shop, rate: 10/s}]",
    "consumers:",
    ...consumers,
  );
}

function problems(text: string): ScenarioIssue[] {
  return refusedIssues(text, "flow.yaml");
}

function described(issues: ScenarioIssue[]) {
  return issues.map((i) => ({ path: formatPath(i.path), line: i.location?.line, hint: i.hint, message: i.message }));
}

describe("publishTo validation", () => {
  it("names an unknown target, where it is written, and suggests the group meant", () => {
    const issues = problems(
      flow(["  - {group: orders, processing: 1ms, publishTo: shipping}", "  - {group: shipments, processing: 1ms}"]),
    );
    expect(issues.map((i) => formatIssue(i, "flow.yaml"))).toEqual([
      'flow.yaml:6:49  consumers[0].publishTo: publishTo names "shipping", but no consumer group is called that (groups: orders, shipments)\n    did you mean "shipments"?',
    ]);
  });

  it("points into a list and into a choice", () => {
    const issues = problems(
      flow([
        "  - {group: orders, processing: 1ms, publishTo: [billing, emial]}",
        "  - {group: billing, processing: 1ms, publishTo: {choose: {emails: 1, archve: 2}}}",
        "  - {group: emails, processing: 1ms}",
        "  - {group: archive, processing: 1ms}",
      ]),
    );
    expect(described(issues).map(({ path, hint }) => ({ path, hint }))).toEqual([
      { path: "consumers[0].publishTo[1]", hint: 'did you mean "emails"?' },
      { path: "consumers[1].publishTo.choose.archve", hint: 'did you mean "archive"?' },
    ]);
  });

  it("refuses a group that publishes to itself, and a cycle, naming it", () => {
    const self = problems(flow(["  - {group: loop, processing: 1ms, publishTo: loop}"]));
    expect(self[0]!.message).toBe(
      'group "loop" publishes to itself: a loop without end; bound it with maxHops on loop (e.g. maxHops: 3)',
    );
    const cycle = problems(
      flow([
        "  - {group: a, processing: 1ms, publishTo: b}",
        "  - {group: b, processing: 1ms, publishTo: {group: c, count: 2}}",
        "  - {group: c, processing: 1ms, publishTo: [a]}",
      ]),
    );
    expect(described(cycle)).toEqual([
      {
        path: "consumers[0].publishTo",
        line: 6,
        hint: undefined,
        message:
          "the stages form a cycle (a → b → c → a) with no hop limit: a message could go round for ever; give one of its stages maxHops (e.g. maxHops: 3 on a) to bound it",
      },
    ]);
  });

  it("accepts a cycle once one of its stages has maxHops, and a self-loop with maxHops on itself", () => {
    const bounded = flow([
      "  - {group: entry, processing: 1ms, publishTo: a}",
      "  - {group: a, processing: 1ms, publishTo: b}",
      "  - {group: b, processing: 1ms, publishTo: c, maxHops: 5}",
      "  - {group: c, processing: 1ms, publishTo: a}",
    ]);
    expect(() => problems(bounded)).toThrow(/accepted/);
    const selfLoop = flow([
      "  - {group: entry, processing: 1ms, publishTo: loop}",
      "  - {group: loop, processing: 1ms, publishTo: loop, maxHops: 2}",
    ]);
    expect(() => problems(selfLoop)).toThrow(/accepted/);
  });

  it("refuses a bounded cycle that feeds every group: producers' messages would reach none", () => {
    const issues = problems(flow(["  - {group: loop, processing: 1ms, publishTo: loop, maxHops: 2}"]));
    expect(described(issues)).toEqual([
      {
        path: "consumers",
        line: 6,
        hint: undefined,
        message:
          "every consumer group is fed by a stage (loop), so producers' messages would reach none: producers publish to the groups no stage publishes to; add one that publishes into the cycle",
      },
    ]);
  });

  it("still refuses the unbounded one of two cycles, naming it", () => {
    const issues = problems(
      flow([
        "  - {group: a, processing: 1ms, publishTo: [b, c], maxHops: 4}",
        "  - {group: b, processing: 1ms, publishTo: a}",
        "  - {group: c, processing: 1ms, publishTo: d}",
        "  - {group: d, processing: 1ms, publishTo: c}",
      ]),
    );
    expect(described(issues)).toEqual([
      {
        path: "consumers[2].publishTo",
        line: 8,
        hint: undefined,
        message:
          "the stages form a cycle (c → d → c) with no hop limit: a message could go round for ever; give one of its stages maxHops (e.g. maxHops: 3 on c) to bound it",
      },
    ]);
  });

  it("refuses maxHops and writes on a group without publishTo, and hopLimited bounds without maxHops", () => {
    const issues = problems(
      flow([
        "  - {group: a, processing: 1ms, publishTo: b}",
        "  - {group: b, processing: 1ms, maxHops: 3, writes: {mode: outbox}}",
        "expect: {stages: {a: {hopLimited: {max: 0}}}}",
      ]),
    );
    expect(described(issues).map(({ path, line, message }) => ({ path, line, message }))).toEqual([
      {
        path: "consumers[1].maxHops",
        line: 7,
        message: 'maxHops is about a stage\'s onward messages, but group "b" has no publishTo',
      },
      {
        path: "consumers[1].writes",
        line: 7,
        message: 'writes is about a stage\'s onward messages, but group "b" has no publishTo',
      },
    ]);
    const hopLimited = problems(
      flow([
        "  - {group: a, processing: 1ms, publishTo: b}",
        "  - {group: b, processing: 1ms}",
        "expect: {stages: {a: {hopLimited: {max: 0}}}}",
      ]),
    );
    expect(described(hopLimited)).toMatchObject([
      {
        path: "expect.stages.a.hopLimited",
        message: 'hopLimited counts the inputs a stage\'s maxHops stopped; group "a" has no maxHops',
      },
    ]);
  });

  it("flags a gather that no fan-out upstream can fill", () => {
    const issues = problems(
      flow([
        "  - {group: a, processing: 1ms, publishTo: b}",
        "  - {group: b, processing: 1ms, gather: {parts: 3, timeout: 30s}}",
      ]),
    );
    expect(described(issues)[0]).toMatchObject({ path: "consumers[1].gather", line: 7 });
    expect(issues[0]!.message).toContain("no stage upstream of it fans out");
  });

  it("refuses stages on a profile that cannot give each stage its own queue", () => {
    const issues = problems(
      flow(["  - {group: a, processing: 1ms, publishTo: b}", "  - {group: b, processing: 1ms}"], "redis-pubsub"),
    );
    expect(formatPath(issues[0]!.path)).toBe("broker.profile");
    expect(issues[0]!.message).toContain(
      "publishTo is refused on redis-pubsub: a channel per stage would be fire-and-forget at every hop",
    );
  });

  it("refuses a fan-out count that is not a whole number", () => {
    const issues = problems(
      flow(["  - {group: a, processing: 1ms, publishTo: {group: b, count: 0}}", "  - {group: b, processing: 1ms}"]),
    );
    expect(formatPath(issues[0]!.path)).toBe("consumers[0].publishTo.count");
  });

  it("names an unknown group under expect.stages, and refuses stage expectations without stages", () => {
    const unknown = problems(
      flow(["  - {group: a, processing: 1ms, publishTo: b}", "  - {group: b, processing: 1ms}"]) +
        "expect: {stages: {bb: {lost: {max: 0}}}}\n",
    );
    expect(described(unknown)).toMatchObject([{ path: "expect.stages.bb", hint: 'did you mean "b"?' }]);
    const without = problems(
      `${flow(["  - {group: a, processing: 1ms}"])}expect: {endToEnd: {incomplete: {max: 0}}}\n`,
    );
    expect(without[0]!.message).toBe(
      "expectations on stages need a consumer group with publishTo; this scenario has none",
    );
  });

  it("exits 2 from the command line and writes nothing", () => {
    const run = runRefusedFile(
      flow(["  - {group: orders, processing: 1ms, publishTo: shipping}", "  - {group: shipments, processing: 1ms}"]),
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('did you mean "shipments"?');
    expect(run.stderr).not.toContain("    at ");
    expect(run.wroteReports).toBe(false);
  });
});
