import { simulate } from "../../../src/index.js";
import { EventLog } from "../../helpers/event-log.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

/** Settings that take randomness out of a run, so a test can assert its exact event log. */
export const deterministic = {
  WaitTimeSeconds: 20,
  duplicateProbability: 0,
  staleReceiptDeleteProbability: 0,
  reorderWindow: 1,
};
export const deterministicFifo = { WaitTimeSeconds: 20 };

/** Runs a scenario built from the test helpers' minimal one, recording its event log. */
export function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(parsed(scenarioInput(overrides)), { observers: [log] });
  return { result, log };
}

/** One message at t=1s from a single producer. */
export const oneMessage = [{ name: "p", arrival: { process: "constant", rate: "1/s" }, limit: 1 }];
