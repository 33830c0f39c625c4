/**
 * Pub/sub: a subscriber that stops reading gets ~3.7 MB of messages into the kernel's socket
 * buffers before Redis's client-output-buffer-limit counts anything; when the limit disconnects
 * it, it still reads what the socket held. And a subscriber whose Redis restarts comes back at
 * its client's next backoff attempt, missing what is published in between.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep, waitUntil } from "../lib/wait.js";
import { startWorker } from "../lib/worker.js";
import { payload } from "./common.js";
import type { RedisFixture } from "./suite.js";

const BURST = 6000;

export const pubsubOutputBufferLimit: Experiment<RedisFixture> = {
  id: "redis/pubsub-output-buffer-limit",
  title: "A frozen subscriber keeps ~3.7 MB in its socket; the output buffer limit drops the rest",
  behaviour: "slow consumer, redis-pubsub: kernel buffers, then client-output-buffer-limit",
  description:
    "A redis-server with client-output-buffer-limit pubsub 1mb 0 0. A subscriber process (which does not " +
    `reconnect) subscribes to channel ch and is SIGSTOPped; ${BURST} messages of 1,000 bytes are published; ` +
    "Redis disconnects it once its output buffer passes 1 MB. The subscriber is resumed. Counted: messages it " +
    "received (those the kernel's socket buffers held).",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { "client-output-buffer-limit": "pubsub 1mb 0 0" });
    const publisher = await connectRedis(server.port);
    const subscriber = await startWorker(context, "redis-subscriber", {
      port: server.port,
      channel: "ch",
      reconnect: "none",
    });
    subscriber.pause();
    for (let id = 0; id < BURST; id++) await publisher.publish("ch", payload(id));
    const subscribers = await publisher.call("PUBSUB", "NUMSUB", "ch");
    subscriber.resume();
    await subscriber.waitFor("closed", { timeoutMs: 10_000 });
    await sleep(200);
    await subscriber.stop();
    context.log(`PUBSUB NUMSUB after the burst: ${JSON.stringify(subscribers)}`);
    return { received: subscriber.count("received") };
  },
  scenario: () => ({
    name: "redis-pubsub-output-buffer-limit",
    seed: 1,
    duration: "1s",
    broker: {
      profile: "redis-pubsub",
      serviceTime: 0,
      // The real subscriber does not reconnect.
      settings: { "client-output-buffer-limit": "1mb 0 0", reconnectBase: "1h", reconnectMax: "1h" },
    },
    producers: [{ name: "publisher", arrival: { process: "constant", rate: "10000/s" }, limit: BURST, size: "1000B" }],
    // It reads the first message, then stalls for the burst (SIGSTOP), then reads on.
    consumers: [{ group: "subscriber", processing: "1ms" }],
    faults: [{ at: 0, for: "1s", slow: { target: "subscriber", factor: 2000 } }],
  }),
  simulated: (run: Run): Figures => ({ received: run.summary.messages.consumed }),
  rules: {
    received: {
      kind: "band",
      relative: 0.05,
      why: "Linux autotunes Redis's socket send buffer (tcp_wmem up to 4 MiB) as it writes, so what the kernel holds varies by a few percent from run to run",
    },
  },
};

const PER_SECOND = 200;
const DOWN_MS = 1100;

export const pubsubRestartGap: Experiment<RedisFixture> = {
  id: "redis/pubsub-restart-gap",
  title: "After a Redis restart a subscriber misses what is published before ioredis's next reconnect attempt",
  behaviour: "broker crash (process), redis-pubsub: client reconnect backoff",
  description:
    "A subscriber process (ioredis with the retryStrategy of its README, ioredis 5's default: attempt n after " +
    `min(n x 50, 2000) ms; no jitter, so the gap is repeatable) listens on ch; a ` +
    `publisher sends ${PER_SECOND} messages a second. 1 s in, redis-server is SIGKILLed and restarted ` +
    `${DOWN_MS} ms later; the publisher goes on once it is back, for 2 s. Counted: messages published after the ` +
    "restart that the subscriber never received.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const subscriber = await startWorker(context, "redis-subscriber", {
      port: server.port,
      channel: "ch",
      reconnect: "linear",
    });
    let id = 0;
    const publish = async (forMs: number, client: Awaited<ReturnType<typeof connectRedis>>) => {
      const started = Date.now();
      for (let n = 0; Date.now() - started < forMs; n++) {
        const wait = started + (n * 1000) / PER_SECOND - Date.now();
        if (wait > 0) await sleep(wait);
        await client.publish("ch", payload(id++, 100));
      }
    };
    await publish(1000, await connectRedis(server.port));
    const beforeKill = id;
    const killedAt = Date.now();
    await server.kill();
    await sleep(DOWN_MS);
    await server.restart();
    const readyMs = Date.now() - killedAt;
    subscriber.on("subscribed", () => context.log(`resubscribed ${Date.now() - killedAt} ms after the kill`));
    await publish(2000, await connectRedis(server.port));
    context.log(`Redis back ${readyMs} ms after the kill`);
    await waitUntil("the subscriber to catch up", () => (subscriber.count("received") > 0 ? true : undefined), {
      timeoutMs: 5000,
    });
    await sleep(200);
    await subscriber.stop();
    const received = new Set(subscriber.all("received").map((m) => Number(m.id)));
    let missed = 0;
    for (let n = beforeKill; n < id; n++) if (!received.has(n)) missed++;
    return { missedAfterRestart: missed };
  },
  scenario: () => ({
    name: "redis-pubsub-restart-gap",
    seed: 1,
    duration: "4.2s",
    broker: {
      profile: "redis-pubsub",
      serviceTime: 0,
      settings: { reconnectGrowth: "linear", reconnectMax: "2s", reconnectJitter: "0ms" },
    },
    producers: [{ name: "publisher", arrival: { process: "constant", rate: `${PER_SECOND}/s` }, size: "100B" }],
    consumers: [{ group: "subscriber", processing: "1ms" }],
    faults: [{ at: "1s", crash: "broker", mode: "process", restartAfter: `${DOWN_MS}ms` }],
  }),
  simulated: (run: Run): Figures => ({ missedAfterRestart: run.summary.messages.lost }),
  rules: {
    missedAfterRestart: {
      kind: "band",
      absolute: 20,
      why: "the real restart takes 30-100 ms beyond the planned outage (the model's takes none), and timers run late on a loaded machine; at 200/s each 5 ms is one message. Attempts come at 1,050 and 1,400 ms after the kill, so the restart has 300 ms of slack before the gap jumps by 400 ms",
    },
  },
};
