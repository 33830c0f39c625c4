// Proves the re-entrancy guard: a call from inside a held section cannot start it again, work it defers is reported once when the section is left, and nothing is deferred when no section runs.
import { describe, expect, it } from "vitest";
import { ReentryGuard } from "../../src/model/reentry.js";

describe("ReentryGuard", () => {
  it("lets one section run at a time and reports work deferred to it once", () => {
    const guard = new ReentryGuard();
    const log: string[] = [];
    const section = (depth: number): void => {
      if (!guard.enter()) {
        log.push(`inner ${depth}: deferred=${guard.defer()}`);
        return;
      }
      log.push(`outer ${depth}: held=${guard.held}`);
      section(depth + 1);
      section(depth + 1);
      log.push(`left, work asked for: ${guard.leave()}`);
    };
    section(0);
    expect(log).toEqual([
      "outer 0: held=true",
      "inner 1: deferred=true",
      "inner 1: deferred=true",
      "left, work asked for: true",
    ]);
    expect(guard.held).toBe(false);
  });

  it("defers nothing when no section runs, and a fresh section starts with nothing asked for", () => {
    const guard = new ReentryGuard();
    expect(guard.defer()).toBe(false);
    expect(guard.enter()).toBe(true);
    expect(guard.leave()).toBe(false);
  });
});
