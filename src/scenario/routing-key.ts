import * as z from "zod";
import { weightedMixSchema } from "./weights.js";

/** AMQP routing and binding keys are short strings: at most 255 bytes of UTF-8. */
const MAX_KEY_BYTES = 255;
/** A message stores its routing key as an index into its producer's list of keys (a 16-bit column). */
export const MAX_ROUTING_KEYS = 65_536;

function tooLong(key: string, what: string): string | null {
  const bytes = Buffer.byteLength(key, "utf8");
  return bytes > MAX_KEY_BYTES
    ? `a ${what} is at most ${MAX_KEY_BYTES} bytes (an AMQP short string), found ${bytes}`
    : null;
}

/** A string that fits an AMQP short string. */
const shortString = (what: string) =>
  z.string().superRefine((key, ctx) => {
    const problem = tooLong(key, what);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });

const singleKey = shortString("routing key").meta({
  description: "every message of this producer has this routing key, e.g. orders.eu.created",
});

/**
 * A producer's AMQP routing key (`basic.publish routing_key`): one fixed key,
 * or a weighted mix drawn per message. Only the RabbitMQ profiles act on it,
 * through their exchange; a producer without one publishes with the empty key.
 */
export const routingKeySchema = z
  .union([
    singleKey,
    weightedMixSchema({
      noun: "routing key",
      keyProblem: (key) => tooLong(key, "routing key"),
      description:
        'routing key → relative weight, e.g. {"orders.eu.created": 70, "orders.us.created": 30}: 70% of messages with the first',
    }).refine((mix) => Object.keys(mix.weights).length <= MAX_ROUTING_KEYS, {
      message: `at most ${MAX_ROUTING_KEYS} routing keys per producer`,
    }),
  ])
  .meta({
    description:
      'AMQP routing key: a string or {weights: {key: weight}}; only RabbitMQ exchanges act on it (direct, topic); none = ""',
  });

/**
 * A consumer group's binding keys: its queue is bound to the exchange once per
 * key. Direct exchanges compare them with the routing key; topic exchanges
 * read them as patterns (`*` one word, `#` zero or more words).
 */
export const bindingsSchema = z.array(shortString("binding key")).min(1).meta({
  description:
    'binding keys of the group\'s queue, e.g. ["orders.*.created"]; a RabbitMQ direct or topic exchange routes a message here if one matches its routing key; ignored by fanout and other profiles',
});
