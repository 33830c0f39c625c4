/**
 * The worker side of conformance/lib/worker.ts. A worker reads its options from its first
 * argument, reports with `report` over IPC, and exits when the parent asks it to stop or goes
 * away (an orphaned worker would keep a broker connection open).
 */
import type { WorkerMessage } from "../lib/worker.js";

/** The options the parent passed to startWorker. */
export function workerOptions<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("a worker needs its options as its first argument (JSON)");
  return JSON.parse(raw) as T;
}

/** Sends a message to the parent. Messages are delivered in order. */
export function report(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * Calls `onStop` when the parent sends {type: "stop"}; exits at once if the parent disconnects.
 * Returns a function that tells whether a stop was asked for.
 */
export function handleStop(onStop: () => Promise<void> | void): () => boolean {
  let stopping = false;
  process.on("message", (message: WorkerMessage) => {
    if (message.type !== "stop" || stopping) return;
    stopping = true;
    Promise.resolve(onStop()).then(
      () => process.exit(0),
      (error) => fail(error),
    );
  });
  process.on("disconnect", () => process.exit(1));
  return () => stopping;
}

/** Reports the error to the parent and exits with code 1, once the report is on its way. */
export function fail(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(message);
  if (!process.send) process.exit(1);
  process.send({ type: "error", message }, undefined, {}, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
