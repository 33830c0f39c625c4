// A worker thread of the pool: runs the scenarios it is sent, one at a time, and posts back plain results.
import { parentPort } from "node:worker_threads";
import { BudgetExceeded } from "../engine/simulation.js";
import { runScenario } from "../pipeline/run-scenario.js";
import type { PoolRequest, PoolResponse } from "./pool.js";

if (!parentPort) throw new Error("invariant: the pool worker must run in a worker thread");
const port = parentPort;
port.on("message", (request: PoolRequest) => {
  let response: PoolResponse;
  try {
    response = { id: request.id, ok: true, run: runScenario(request.scenario, request.options) };
  } catch (error) {
    const budget = error instanceof BudgetExceeded;
    response = {
      id: request.id,
      ok: false,
      error: budget ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error),
      budget,
    };
  }
  port.postMessage(response);
});
