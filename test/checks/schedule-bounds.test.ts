// Proves expect.schedules and expect.delays: bounds judged against the same figures summary.json states (exact counts for a known crash window), validation that names a producer without a schedule with a did-you-mean, and sweep/compare metrics named by their summary.json path.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { isPatternMetric, metricsOf } from "../../src/parallel/tasks.js";
import { validateScenario } from "../../src/scenario/load.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** A report every 100 ms (ticks at 100..1000 ms) whose producer is down 250-550 ms, beside delayed nudges on RabbitMQ. */
function scheduled(expectations: Record<string, unknown>) {
  return scenarioInput({
    duration: "1050ms",
    broker: { profile: "rabbitmq" },
    producers: [
      { name: "reports", schedule: { every: "100ms", missed: "catchUp" } },
      { name: "nudges", rate: "20/s", delay: { dist: "uniform", min: "10ms", max: "500ms" } },
    ],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "250ms", crash: "producer", target: "reports", restartAfter: "300ms" }],
    expect: expectations,
  });
}

describe("expect.schedules and expect.delays", () => {
  it("judges each bound against the summary's figures: 3 ticks missed, the latest caught up 50 ms late", () => {
    const { summary } = runScenario(
      parsed(
        scheduled({
          schedules: { reports: { missed: { max: 0 }, skipped: { max: 2 }, latenessMsMax: { max: 60 } } },
          delays: { blockedByHead: { max: 0 }, held: { min: 1 } },
        }),
      ),
    );
    // Ticks at 300, 400 and 500 ms fall in the crash; catchUp publishes the 500 ms tick at the 550 ms restart.
    expect(summary.schedules!.reports).toMatchObject({
      ticks: 10,
      missed: 3,
      caughtUp: 1,
      skipped: 2,
      latenessMsMax: 50,
    });
    const byName = Object.fromEntries(summary.checks.map((check) => [check.name, check]));
    expect(byName["schedules.reports.missed"]).toMatchObject({ observed: "3", passed: false });
    expect(byName["schedules.reports.skipped"]).toMatchObject({ observed: "2", passed: true });
    expect(byName["schedules.reports.latenessMsMax"]).toMatchObject({ observed: "50", passed: true });
    // RabbitMQ's delay queue expires only at its head: some short delays wait behind longer ones.
    expect(summary.delays!.blockedByHead).toBeGreaterThan(0);
    expect(byName["delays.blockedByHead"]).toMatchObject({
      observed: String(summary.delays!.blockedByHead),
      passed: false,
    });
    expect(byName["delays.held"]).toMatchObject({ observed: String(summary.delays!.held), passed: true });
    expect(summary.passed).toBe(false);
  });

  it("refuses a bound on a producer without a schedule, suggesting the one that has it", () => {
    const result = validateScenario(scheduled({ schedules: { report: { missed: { max: 0 } } } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({
      path: ["expect", "schedules", "report"],
      message: '"report" is not a producer with schedule (known: reports)',
    });
    expect(result.issues[0]!.hint).toContain("reports");
  });

  it("refuses expect.delays where no producer delays, and a figure that does not exist", () => {
    const noDelays = validateScenario(scenarioInput({ expect: { delays: { blockedByHead: { max: 0 } } } }));
    expect(noDelays.ok).toBe(false);
    if (!noDelays.ok) expect(noDelays.issues[0]!.path).toEqual(["expect", "delays"]);
    const unknownFigure = validateScenario(scheduled({ schedules: { reports: { misssed: { max: 0 } } } }));
    expect(unknownFigure.ok).toBe(false);
  });

  it("reports schedule and delay figures as metrics named by their summary.json path", () => {
    const run = runScenario(parsed(scheduled({})));
    const metrics = metricsOf(run);
    expect(metrics["schedules.reports.missed"]).toBe(3);
    expect(metrics["schedules.reports.latenessMsMax"]).toBe(50);
    expect(metrics["delays.blockedByHead"]).toBe(run.summary.delays!.blockedByHead);
    for (const name of ["schedules.reports.missed", "delays.blockedMsMax", "batches.indexer.meanSize"])
      expect(isPatternMetric(name)).toBe(true);
    for (const name of ["delays.reports.held", "schedules.reports.nonsense", "batches.indexer"])
      expect(isPatternMetric(name)).toBe(false);
  });

  it("reports batch figures of groups and producers as metrics", () => {
    const run = runScenario(
      parsed(
        scenarioInput({
          duration: "1s",
          producers: [
            { name: "uploads", arrival: { process: "constant", rate: "100/s" }, batch: { size: 10, linger: "1s" } },
          ],
          consumers: [{ group: "indexer", processing: "1ms", batch: { size: 5 } }],
        }),
      ),
    );
    const metrics = metricsOf(run);
    // 99 messages (10 ms apart from 10 ms, before 1 s) in requests of 10: a full batch goes before its linger ends,
    // and the last request carries the 9 left.
    expect(run.summary.messages.published).toBe(99);
    expect(metrics["publishBatches.uploads.batches"]).toBe(10);
    expect(metrics["publishBatches.uploads.meanSize"]).toBe(9.9);
    expect(metrics["batches.indexer.meanSize"]).toBe(run.summary.batches!.indexer!.meanSize);
    expect(metrics["batches.indexer.abandoned"]).toBe(0);
  });
});
