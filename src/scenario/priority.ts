import * as z from "zod";
import { weightedMixSchema } from "./weights.js";

/** AMQP's message priority is an unsigned byte. */
export const MAX_MESSAGE_PRIORITY = 255;

const LEVEL = /^(0|[1-9][0-9]{0,2})$/;

/**
 * A producer's message priority (AMQP `basic.properties.priority`): one fixed
 * value, or a weighted mix of values drawn per message. Only the RabbitMQ
 * profiles act on it; a message without one has priority 0, as in AMQP.
 */
export const prioritySchema = z
  .union([
    z
      .number()
      .int()
      .min(0)
      .max(MAX_MESSAGE_PRIORITY)
      .meta({ description: "every message of this producer has this priority (0-255)" }),
    weightedMixSchema({
      noun: "priority",
      keyProblem: (level) =>
        !LEVEL.test(level) || Number(level) > MAX_MESSAGE_PRIORITY
          ? `"${level}" is not a priority: priorities are whole numbers from 0 to ${MAX_MESSAGE_PRIORITY}`
          : null,
      description: "priority → relative weight, e.g. {0: 90, 9: 10}: 90% of messages at 0, 10% at 9",
    }),
  ])
  .meta({
    description:
      "AMQP message priority: a number (0-255) or {weights: {priority: weight}}; only RabbitMQ priority queues and bullmq with priority: from-message act on it; none = 0",
  });
