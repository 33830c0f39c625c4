// Helpers for the Redis profile tests: a broker section with exact timelines, and a run with an event log.
import { simulate } from "../../../src/index.js";
import { EventLog } from "../../helpers/event-log.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

/** A broker section with no service time, so timelines stay exact. */
export function redis(profile: string, settings: Record<string, unknown> = {}) {
  return { profile, serviceTime: 0, settings };
}

/** Runs a scenario (defaults from the shared helper, a long drain) and logs every event. */
export function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(parsed(scenarioInput({ drainTimeout: "10min", ...overrides })), { observers: [log] });
  return { result, log };
}

/** Message numbers in log lines that contain `word` ("consumed", "dropped", ...). */
export function messagesIn(lines: readonly string[], word: string): number[] {
  return lines.filter((line) => line.includes(` ${word} `)).map((line) => Number(/ m(\d+)/.exec(line)![1]));
}

/** One message every 100 ms (the first at 100 ms), for exact timelines. */
export const every100ms = (extra: Record<string, unknown> = {}) => ({
  name: "p",
  arrival: { process: "constant", rate: "10/s" },
  ...extra,
});
