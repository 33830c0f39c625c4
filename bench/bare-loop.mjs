// The reference point: the M/M/4 work queue of bench/work-queue.ts as a bare
// hand-written event loop (binary heap of [time, kind] pairs, no framework).
// queuesim aims to stay within 2x of this, measured as whole processes.
import seedrandom from "seedrandom";

const MESSAGES = 1_000_000;
const SERVERS = 4;
const SERVICE_MEAN = 1000; // us
const ARRIVAL_MEAN = SERVICE_MEAN / (0.9 * SERVERS);
const rng = seedrandom.alea("bare");
const exp = (mean) => -mean * Math.log(1 - rng());

const heap = [];
const push = (t, k) => {
  heap.push([t, k]);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heap[p][0] <= heap[i][0]) break;
    [heap[p], heap[i]] = [heap[i], heap[p]];
    i = p;
  }
};
const pop = () => {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
      if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  }
  return top;
};

const waiting = [];
let head = 0;
let busy = 0;
let created = 0;
let events = 0;
let waitSum = 0;
push(exp(ARRIVAL_MEAN), 0);
while (heap.length > 0) {
  const [now, kind] = pop();
  events++;
  if (kind === 0) {
    created++;
    if (created < MESSAGES) push(now + exp(ARRIVAL_MEAN), 0);
    if (busy < SERVERS) {
      busy++;
      push(now + exp(SERVICE_MEAN), 1);
    } else waiting.push(now);
  } else if (head < waiting.length) {
    waitSum += now - waiting[head++];
    push(now + exp(SERVICE_MEAN), 1);
  } else busy--;
}
console.log(JSON.stringify({ events, meanWaitUs: waitSum / MESSAGES, maxRssKb: process.resourceUsage().maxRSS }));
