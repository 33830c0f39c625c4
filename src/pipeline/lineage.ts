import { LineageRecorder } from "../metrics/lineage.js";
import { counterExampleMessages, type Lineage, lineagesOf } from "../report/lineage.js";
import type { Run } from "../report/run.js";
import { simulate } from "../run/simulate.js";

/**
 * The timelines of a run's counter-example messages. Which messages they are is known only once the run
 * has ended (a message is lost at the end), so the run is simulated again, deterministically, with an
 * observer that keeps the events of those few messages and nothing else: memory stays bounded, and a run
 * whose checks all pass costs nothing more. Observers never change what the model does, so the second
 * run is the first one event for event; that is checked, and a difference is a bug.
 */
export function messageLineages(run: Run): Lineage[] {
  const watched = counterExampleMessages(run);
  if (watched.length === 0) return [];
  const recorder = new LineageRecorder(watched);
  // run.result.scenario is the scenario as run: an automatic warm-up is already the time it chose.
  const again = simulate(run.result.scenario, { observers: [recorder] });
  if (again.events !== run.result.events || JSON.stringify(again.examples) !== JSON.stringify(run.result.examples)) {
    throw new Error(
      `invariant: replaying ${run.summary.scenario} (seed ${run.summary.seed}) for message lineage gave another run`,
    );
  }
  return lineagesOf(run, recorder.events, recorder.omitted);
}
