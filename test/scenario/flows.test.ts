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
    expect(self[0]!.message).toBe('group "loop" publishes to itself: a loop without end');
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
          "the stages form a cycle (a → b → c → a): a message could go round for ever; queuesim refuses cycles (no hop limit is modelled)",
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
