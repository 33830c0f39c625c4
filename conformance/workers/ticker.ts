/**
 * A worker that does nothing but count: {type: "tick", n} every intervalMs. The framework's
 * own tests use it to prove killing, pausing and stopping without a broker.
 */
import { handleStop, report, workerOptions } from "./protocol.js";

const { intervalMs } = workerOptions<{ intervalMs: number }>();
let n = 0;
const timer = setInterval(() => report({ type: "tick", n: ++n }), intervalMs);
handleStop(() => clearInterval(timer));
report({ type: "ready" });
