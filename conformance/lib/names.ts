/**
 * Unique names for queues, keys, streams and consumers: a prefix and a counter. Every run
 * starts fresh servers, so a counter is enough, and the names stay readable in broker logs.
 */
let counter = 0;

/** "orders-3": `prefix` and the next number of this run. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
