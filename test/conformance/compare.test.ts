// Proves the conformance rules (exact, band, within) and the experiment verdicts they lead to.
import { describe, expect, it } from "vitest";
import { agrees, describeRule, judge, suitePassed, tallyLine } from "../../conformance/lib/compare.js";
import type { Rule } from "../../conformance/lib/experiment.js";

const band = (absolute?: number, relative?: number): Rule => ({
  kind: "band",
  ...(absolute === undefined ? {} : { absolute }),
  ...(relative === undefined ? {} : { relative }),
  why: "test",
});

describe("agrees", () => {
  it("exact needs equality", () => {
    expect(agrees(10, 10, { kind: "exact" })).toBe(true);
    expect(agrees(10, 11, { kind: "exact" })).toBe(false);
  });

  it("band takes the larger of its absolute and relative slack, edges included", () => {
    expect(agrees(100, 105, band(5))).toBe(true);
    expect(agrees(100, 105.5, band(5))).toBe(false);
    expect(agrees(100, 90, band(2, 0.1))).toBe(true);
    expect(agrees(100, 89, band(2, 0.1))).toBe(false);
    expect(agrees(1, 3, band(2, 0.1))).toBe(true);
    expect(agrees(-100, -110, band(undefined, 0.1))).toBe(true);
  });

  it("within bounds the simulated figure whatever the real one", () => {
    const rule: Rule = { kind: "within", min: 3, max: 7, why: "test" };
    expect(agrees(100, 3, rule)).toBe(true);
    expect(agrees(0, 7, rule)).toBe(true);
    expect(agrees(5, 7.01, rule)).toBe(false);
  });

  it("never agrees on a figure that is not a finite number", () => {
    expect(agrees(Number.NaN, Number.NaN, { kind: "exact" })).toBe(false);
    expect(agrees(1, Number.POSITIVE_INFINITY, band(1e9))).toBe(false);
  });
});

describe("describeRule", () => {
  it("says each rule in a few words", () => {
    expect(describeRule({ kind: "exact" })).toBe("exact");
    expect(describeRule(band(2))).toBe("±2");
    expect(describeRule(band(undefined, 0.05))).toBe("±5%");
    expect(describeRule(band(2, 0.05))).toBe("±max(2, 5%)");
    expect(describeRule({ kind: "within", min: 1, max: 4, why: "x" })).toBe("in [1, 4]");
  });
});

describe("judge", () => {
  const rules: Record<string, Rule> = { kept: { kind: "exact" }, lostMs: band(50) };

  it("agrees when every figure is within its rule", () => {
    const judged = judge({ rules }, { kept: 10, lostMs: 1000 }, { kept: 10, lostMs: 1040 });
    expect(judged.verdict).toBe("agree");
    expect(judged.figures.map((f) => f.agrees)).toEqual([true, true]);
  });

  it("disagrees when a figure is off, unless every failed figure is a known one", () => {
    const real = { kept: 10, lostMs: 1000 };
    expect(judge({ rules }, real, { kept: 9, lostMs: 1000 }).verdict).toBe("disagree");
    const known = { figures: ["kept"], reason: "not modelled" };
    expect(judge({ rules, known }, real, { kept: 9, lostMs: 1000 }).verdict).toBe("known");
    expect(judge({ rules, known }, real, { kept: 9, lostMs: 2000 }).verdict).toBe("disagree");
  });

  it("is an error when a figure has no rule, a rule has no figure, or the simulation lacks a figure", () => {
    const noRule = judge({ rules }, { kept: 1, lostMs: 1, extra: 2 }, { kept: 1, lostMs: 1, extra: 2 });
    expect(noRule).toMatchObject({ verdict: "error", error: 'figure "extra" has no rule' });
    const noFigure = judge({ rules }, { kept: 1 }, { kept: 1 });
    expect(noFigure).toMatchObject({
      verdict: "error",
      error: 'rule for "lostMs" but the real side did not measure it',
    });
    const notSimulated = judge({ rules }, { kept: 1, lostMs: 1 }, { kept: 1 });
    expect(notSimulated).toMatchObject({ verdict: "error", error: 'figure "lostMs" is missing from simulated()' });
  });
});

describe("tallies", () => {
  it("counts verdicts and passes only without disagreements or errors", () => {
    const verdicts = [{ verdict: "agree" }, { verdict: "agree" }, { verdict: "known" }] as const;
    expect(tallyLine(verdicts)).toBe("3 experiments: 2 agree, 1 known, 0 disagree, 0 errors (66.7% agree)");
    expect(suitePassed(verdicts)).toBe(true);
    expect(suitePassed([...verdicts, { verdict: "error" }])).toBe(false);
    expect(suitePassed([{ verdict: "disagree" }])).toBe(false);
    expect(tallyLine([])).toBe("0 experiments: 0 agree, 0 known, 0 disagree, 0 errors (0% agree)");
  });
});
