// One benchmark case, run as its own process by bench/run.ts: an M/M/4 work
// queue at 90% load, 1,000,000 messages, every overhead at zero.
import { runScenario, validateScenario } from "../src/index.js";

const messages = Number(process.argv[2] ?? 1_000_000);
const parsed = validateScenario({
  name: "bench-work-queue",
  seed: 1,
  duration: "100h",
  broker: { profile: "fifo" },
  producers: [{ name: "load", rate: "3600/s", limit: messages }],
  consumers: [{ group: "workers", instances: 4, processing: { dist: "exponential", mean: "1ms" } }],
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const started = process.hrtime.bigint();
const { summary } = runScenario(parsed.scenario);
const simulateMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log(
  JSON.stringify({
    events: summary.simulated.events,
    consumed: summary.messages.consumed,
    meanWaitUs: summary.latency.queueWait.mean * 1000,
    simulateMs,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
