// Proves producer writes: dual write loses exactly the event whose commit round trip a crash cut (committed, never published), the outbox relay loses nothing and publishes again exactly the batch a crash caught between confirm and mark, a restart that finds the relay up (overlapping crash faults) starts no second poll, lag and end-to-end latency start at the commit, runs repeat byte for byte, undeclared writes change nothing, and bad input is reported in the house format.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { isPatternMetric, metricsOf } from "../../src/stats/replications.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, refusedLines, scenarioInput } from "../helpers/scenario.js";

/**
 * Producer `p` creates one message every 100 ms (constant arrivals start one interval in: m0 at 100 ms,
 * m1 at 200 ms, ...), each committed with a 50 ms commit round trip; zero network latency.
 */
function run(writes: Record<string, unknown>, overrides: Record<string, unknown> = {}, idempotency = "dedup-store") {
  const log = new EventLog();
  const scenario = parsed(
    scenarioInput({
      duration: "3s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, writes: { commit: "50ms", ...writes } }],
      consumers: [{ group: "g", processing: "1ms", idempotency: { strategy: idempotency } }],
      ...overrides,
    }),
  );
  const { summary } = runScenario(scenario, { observers: [log] });
  const accepted = (message: number) => log.lines.filter((line) => line.endsWith(` accepted m${message}`)).length;
  return { summary, accepted, outbox: summary.outbox!.p! };
}

const crashAt = (at: string, restartAfter = "500ms") => ({
  faults: [{ at, crash: "producer", target: "p#1", restartAfter }],
});

describe("dual write", () => {
  it("loses exactly the message whose commit round trip the crash cut: committed, never published", () => {
    // m2 commits at 300 ms and would be published at 350 ms; the crash at 320 ms falls in between.
    const { summary, accepted, outbox } = run({ mode: "dual-write" }, crashAt("320ms"));
    expect(outbox).toMatchObject({ mode: "dual-write", unpublished: 1, relayDuplicates: 0, backlogAtEnd: 0 });
    expect(accepted(2)).toBe(0);
    expect(accepted(1)).toBe(1);
    expect(accepted(3)).toBe(1);
    expect(outbox.committed).toBe(outbox.published + 1);
    // Never promised by the broker: the loss is the application's, counted unknown rather than lost.
    expect(summary.messages).toMatchObject({ lost: 0, unknown: 1, duplicated: 0 });
  });

  it("loses nothing when the crash comes after the publish", () => {
    // m2 was published at 350 ms; m3 commits only at 400 ms.
    const { outbox, summary } = run({ mode: "dual-write" }, crashAt("360ms"));
    expect(outbox.unpublished).toBe(0);
    expect(summary.messages.unknown).toBe(0);
    expect(outbox.lagMs).toMatchObject({ p50: 50, max: 50 });
  });
});

describe("outbox relay", () => {
  // The relay polls at 950 ms: m0..m8 (100..900 ms) in one batch, confirmed at once, mark durable at 1000 ms.
  const relay = { mode: "outbox", relay: { pollInterval: "950ms", batchSize: 100 } };

  it("publishes the whole batch again when it crashes between the confirms and the mark", () => {
    const { summary, accepted, outbox } = run(relay, crashAt("980ms"));
    expect(outbox).toMatchObject({ mode: "outbox", unpublished: 0, relayDuplicates: 9, backlogAtEnd: 0 });
    // The broker takes each of m0..m8 twice (the observer hears only the first acceptance of each).
    for (let message = 0; message < 10; message++) expect(accepted(message)).toBe(1);
    expect(summary.messages.republished).toBe(9);
    // The dedup store absorbs them: duplicated deliveries, no repeated effect.
    expect(summary.messages).toMatchObject({ duplicated: 9, sideEffectsRepeated: 0, lost: 0, unknown: 0 });
  });

  it("without a consumer-side guard, the duplicates repeat the side effect", () => {
    const { summary } = run(relay, crashAt("980ms"), "none");
    expect(summary.messages.sideEffectsRepeated).toBe(9);
  });

  it("publishes nothing twice when the crash comes after the mark", () => {
    const { outbox, accepted } = run(relay, crashAt("1020ms"));
    expect(outbox.relayDuplicates).toBe(0);
    expect(accepted(0)).toBe(1);
    expect(outbox.committed).toBe(outbox.published);
  });

  it("counts lag and end-to-end latency from the commit, and stops polling so the run drains", () => {
    const { summary, outbox } = run(relay);
    // m0 committed at 100 ms waits for the poll at 950 ms; m9 (1000 ms) for the one after the mark, at 1950 ms.
    expect(outbox.lagMs.max).toBe(950);
    expect(summary.latency.endToEnd.max).toBe(951);
    // Claimed rows stay in the outbox until marked: at 2000 ms m9..m18 wait for their mark and m19 commits.
    expect(outbox.backlogPeak).toBe(11);
    expect(summary.simulated.drained).toBe(true);
  });

  it("polls again at once after a full batch", () => {
    const { outbox } = run({ mode: "outbox", relay: { pollInterval: "950ms", batchSize: 4 } });
    // Batches of 4 every 50 ms (the mark) drain m0..m8 by 1100 ms: m8 (900 ms) goes in the third, at 1050 ms.
    expect(outbox.relayDuplicates).toBe(0);
    expect(outbox.committed).toBe(outbox.published);
    expect(outbox.lagMs.p50).toBeLessThan(950);
  });

  it("ignores the restart of an overlapping crash fault that finds the relay already up", () => {
    // The crash at 1000 ms finds the producer down already; its restart at 1510 ms finds it up again (since 1480 ms),
    // while the batch claimed at 1480 ms waits for its mark (1530 ms). A second poll then would claim the next rows
    // over that batch: its rows were left in the outbox unmarked and never published again (backlogAtEnd 4).
    const faults = [
      { at: "980ms", crash: "producer", target: "p#1", restartAfter: "500ms" },
      { at: "1000ms", crash: "producer", target: "p#1", restartAfter: "510ms" },
    ];
    for (const network of [{}, { network: { latency: "10ms" } }]) {
      const { summary, accepted, outbox } = run(
        { mode: "outbox", relay: { pollInterval: "950ms", batchSize: 2 } },
        { faults, ...network },
      );
      expect(outbox).toMatchObject({ backlogAtEnd: 0, unpublished: 0 });
      expect(outbox.committed).toBe(outbox.published);
      // Only the batch the crash at 980 ms caught between confirms and mark (m0, m1) goes to the broker twice.
      expect(outbox.relayDuplicates).toBe(2);
      for (let message = 0; message < outbox.committed; message++) expect(accepted(message)).toBe(1);
      expect(summary.messages).toMatchObject({ lost: 0, unknown: 0, republished: 2 });
      expect(summary.simulated.drained).toBe(true);
    }
  });

  it("polls once at the heal that restarts the relay for two crash faults, as in a generated scenario", () => {
    // Both crashes are still open at the end of the run (3 s): the heal ends each, restarting the producer twice at
    // one instant. A second poll there ran while the first one's batch waited for its confirms, and claimed over it.
    const faults = [
      { at: "2000ms", crash: "producer", target: "p#1", restartAfter: "5s" },
      { at: "2100ms", crash: "producer", target: "p#1", restartAfter: "5s" },
    ];
    const { summary, accepted, outbox } = run(
      { mode: "outbox", relay: { pollInterval: "950ms", batchSize: 2 } },
      { faults, network: { latency: "10ms" } },
    );
    expect(outbox).toMatchObject({ backlogAtEnd: 0, unpublished: 0 });
    expect(outbox.committed).toBe(outbox.published);
    for (let message = 0; message < outbox.committed; message++) expect(accepted(message)).toBe(1);
    expect(summary.messages).toMatchObject({ lost: 0, unknown: 0, republished: outbox.relayDuplicates });
    expect(summary.simulated.drained).toBe(true);
  });

  it("repeats byte for byte with a random network and commit latency", () => {
    const overrides = {
      network: { latency: { dist: "lognormal", median: "500us", p99: "3ms" } },
      ...crashAt("1.2s"),
    };
    const writes = { mode: "outbox", commit: { dist: "exponential", mean: "5ms" }, relay: { pollInterval: "100ms" } };
    const first = JSON.stringify(run(writes, overrides).summary);
    expect(JSON.stringify(run(writes, overrides).summary)).toBe(first);
  });
});

describe("writes in many-run commands", () => {
  it("reports unpublished, relayDuplicates and backlogPeak as metrics named by their summary.json path", () => {
    const scenario = parsed(
      scenarioInput({
        duration: "3s",
        producers: [
          { name: "p", arrival: { process: "constant", rate: "10/s" }, writes: { mode: "dual-write", commit: "50ms" } },
        ],
        ...crashAt("320ms"),
      }),
    );
    const metrics = metricsOf(runScenario(scenario));
    expect(metrics["outbox.p.unpublished"]).toBe(1);
    expect(metrics["outbox.p.relayDuplicates"]).toBe(0);
    expect(isPatternMetric("outbox.p.backlogPeak")).toBe(true);
  });
});

describe("writes validation", () => {
  const FILE = "writes.yaml";
  const text = (writes: string, extra = "") =>
    [
      "name: t",
      "duration: 1s",
      "broker: {profile: fifo}",
      "producers:",
      "  - name: orders",
      "    rate: 10/s",
      `    writes: ${writes}`,
      extra,
      "consumers:",
      "  - group: g",
      "    processing: 1ms",
      "",
    ].join("\n");
  const problems = (source: string) => refusedLines(source, FILE);

  it("reports a misspelt relay field with its place and a did-you-mean", () => {
    const [line] = problems(text("{mode: outbox, relay: {pollIntervall: 1s}}"));
    expect(line).toContain(`${FILE}:7:`);
    expect(line).toContain("producers[0].writes.relay");
    expect(line).toContain('did you mean "pollInterval"?');
  });

  it("reports an unknown mode with the known ones", () => {
    const [line] = problems(text("{mode: outbx}"));
    expect(line).toContain(`${FILE}:7:`);
    expect(line).toContain("producers[0].writes.mode");
    expect(line).toContain("outbox");
  });

  it("refuses resendOnRestart beside an outbox", () => {
    const [line] = problems(text("{mode: outbox}", "    publish: {resendOnRestart: true}"));
    expect(line).toContain(`${FILE}:8:`);
    expect(line).toContain("producers[0].publish.resendOnRestart");
    expect(line).toContain("the relay already publishes again");
  });

  it("names the producers with writes when expect.outbox names another", () => {
    const [line] = problems(`${text("{mode: dual-write}")}expect:\n  outbox:\n    order: {unpublished: {max: 0}}\n`);
    expect(line).toContain(`${FILE}:14:`);
    expect(line).toContain('"order" is not a producer or a stage with writes (known: orders)');
    expect(line).toContain('did you mean "orders"?');
  });
});
