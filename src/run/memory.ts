import { getHeapStatistics } from "node:v8";
import { BudgetExceeded } from "../engine/simulation.js";
import { memoryBudgetBytes } from "../scenario/budgets.js";

/**
 * The memory budget of a run: checked between events at the engine's progress interval, outside the model
 * (it reads the heap, never the clock or a random stream, and only ever stops the run), so results stay
 * byte-identical whether or not it is ever close. It stops a run that outgrows `limits.maxMemory` with a
 * message before V8 reaches its own heap limit, which would end the process with a fatal error.
 */
export class MemoryBudgetExceeded extends BudgetExceeded {}

/** Bytes in use: the JavaScript heap and the buffers outside it (typed arrays), which both grow with a run. */
export function memoryInUse(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

/** A check to call now and then during a run; throws MemoryBudgetExceeded past the budget. */
export function memoryWatch(maxMemory: number | "auto"): (now: number, events: number) => void {
  const budget = memoryBudgetBytes(maxMemory);
  return (now, events) => {
    const used = memoryInUse();
    if (used <= budget) return;
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    const written = maxMemory === "auto" ? `auto, ${mb(budget)} here` : mb(budget);
    throw new MemoryBudgetExceeded(
      `the run used ${mb(used)} of memory after ${events} events (simulated time ${(now / 1e6).toFixed(3)}s), past limits.maxMemory (${written}); shorten the run, lower its rates or raise limits.maxMemory`,
    );
  };
}
