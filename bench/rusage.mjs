// Preloaded into every process the benchmark times (node --import): on exit it writes the process's peak
// resident memory and CPU time to the file named by QUEUESIM_BENCH_RUSAGE, so the benchmark sees them without
// the process's cooperation. Every case, bare loops and `node -e 0` included, pays the same preload.
import { writeFileSync } from "node:fs";

const file = process.env.QUEUESIM_BENCH_RUSAGE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime }));
  });
}
