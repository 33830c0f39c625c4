/**
 * A redis-pubsub subscriber: SUBSCRIBE to one channel and report {type: "received", id} for each
 * message (the payload's leading digits, before a space). `reconnect` says what happens after a
 * lost connection: "none" ends the subscription for good ({type: "closed"}); "default" is
 * ioredis 6's retryStrategy (attempt n after min(2^(n-1) x 50, 5000) ms plus 0-199 ms of jitter);
 * "linear" is the retryStrategy of ioredis's README and ioredis 5's default, min(n x 50, 2000) ms.
 * ioredis resubscribes by itself; the worker reports {type: "subscribed"} on each (re)connection.
 */
import { Redis } from "ioredis";
import { fail, handleStop, report, workerOptions } from "./protocol.js";

interface Options {
  port: number;
  channel: string;
  reconnect: "none" | "default" | "linear";
}

const strategies = {
  none: { retryStrategy: () => null },
  default: {},
  linear: { retryStrategy: (times: number) => Math.min(times * 50, 2000) },
};

const options = workerOptions<Options>();
const client = new Redis({
  host: "127.0.0.1",
  port: options.port,
  maxRetriesPerRequest: null,
  ...strategies[options.reconnect],
});
client.on("error", (error: Error) => console.error(`redis connection: ${error.message}`));
client.on("close", () => report({ type: "closed" }));
client.on("reconnecting", (delay: number) => report({ type: "reconnecting", delay }));
client.on("ready", () => {
  // ioredis resubscribes by itself on reconnect (autoResubscribe); "ready" comes after it.
  report({ type: "subscribed" });
});
client.on("message", (_channel: string, payload: string) => {
  report({ type: "received", id: payload.slice(0, payload.indexOf(" ")) });
});
handleStop(() => client.quit().then(() => undefined));

client.subscribe(options.channel).then(() => report({ type: "ready" }), fail);
