import * as z from "zod";
import { duration, durationDistribution } from "../units/quantities.js";

/**
 * Faults as users write them. Each has a start (`at`, or `every` for random
 * faults) and, where it makes sense, an end (`for`, `restartAfter`). All faults
 * end at the scenario's `duration`: the run then heals and drains.
 */
const start = {
  at: duration().optional().meta({ description: "when the fault starts; default 0" }),
  every: durationDistribution()
    .optional()
    .meta({ description: "random faults: time between one fault ending and the next starting" }),
  stableFor: duration()
    .prefault(0)
    .meta({ description: "random faults: at least this long between one fault ending and the next starting" }),
};

const window = {
  ...start,
  for: duration()
    .refine((micros) => micros > 0, { message: "a fault window must last longer than 0" })
    .meta({ description: "how long the fault lasts" }),
};

const crashFault = z.strictObject({
  ...start,
  crash: z.enum(["consumer", "broker", "producer"]).meta({ description: "what crashes" }),
  target: z.string().optional().meta({
    description:
      "consumer crash: an instance (billing/2), a group (billing: every instance) or billing/* (one at random); broker crash: broker (every node) or broker/2 (one node of a kafka cluster)",
  }),
  restartAfter: duration().optional().meta({ description: "restart after this long; default: at the end of duration" }),
  point: z.enum(["now", "after-receive", "after-side-effect", "after-dedup-record", "before-ack"]).default("now").meta({
    description: "consumer crash: crash at once, or the next time the consumer reaches this point of its cycle",
  }),
  mode: z.enum(["process", "hang", "host"]).default("process").meta({
    description:
      "how it fails. process (default): the process dies and the operating system closes its connections at once (kill -9, an OOM kill, an uncaught exception). hang (consumers only): the process freezes with its connections open and silent (SIGSTOP, a stuck event loop) until it is killed and restarted after restartAfter. host: its machine or network goes away; a consumer's connections stay open at the broker and go silent, a broker loses what it had not fsynced",
  }),
});

const stopFault = z.strictObject({
  ...start,
  stop: z.literal("consumer").meta({ description: "a clean stop: what a rolling deploy or a scale-down does" }),
  target: z.string().meta({
    description: "an instance (billing/2), a group (billing: every instance) or billing/* (one at random)",
  }),
  restartAfter: duration()
    .optional()
    .meta({ description: "start again after this long; default: at the end of duration" }),
  gracePeriod: duration().prefault("30s").meta({
    description:
      "time to finish the work under way before the consumer is killed (a crash); default 30s, like Kubernetes' terminationGracePeriodSeconds",
  }),
});

const slowFault = z.strictObject({
  ...window,
  slow: z.strictObject({
    target: z.string().meta({ description: "an instance, a group, or group/* for one at random" }),
    factor: z.number().positive().meta({ description: "processing time is multiplied by this" }),
  }),
});

const latencyFault = z.strictObject({
  ...window,
  latency: z.strictObject({
    link: z
      .string()
      .meta({ description: "from->to, each side broker, a producer, a group or an instance: broker->billing" }),
    add: duration().meta({ description: "extra one-way delay" }),
    jitter: duration().prefault(0).meta({ description: "plus a uniform random delay up to this" }),
  }),
});

const duplicateFault = z.strictObject({
  ...window,
  duplicate: z.strictObject({
    target: z.string().default("broker").meta({ description: "broker (every delivery) or a consumer group" }),
    probability: z.number().min(0).max(1).meta({ description: "chance that a delivery arrives twice" }),
  }),
});

const lossFault = z.strictObject({
  ...window,
  loss: z.strictObject({
    link: z
      .string()
      .meta({ description: "a producer link, from->to: checkout->broker (publishes) or broker->checkout (confirms)" }),
    probability: z.number().min(0).max(1).meta({ description: "chance that a message on the link vanishes" }),
  }),
});

const partitionFault = z.strictObject({
  ...window,
  partition: z.strictObject({
    between: z
      .tuple([z.string(), z.string()])
      .meta({ description: "the broker and a producer or consumer group/instance: [broker, billing]" }),
  }),
});

const poisonFault = z.strictObject({
  poison: z.strictObject({
    fraction: z.number().min(0).max(1).meta({ description: "share of messages whose processing always fails" }),
    producer: z.string().optional().meta({ description: "only this producer's messages; default all" }),
  }),
});

export const faultSchema = z
  .union([crashFault, stopFault, slowFault, latencyFault, duplicateFault, lossFault, partitionFault, poisonFault])
  .superRefine((fault, ctx) => {
    if ("at" in fault && fault.at !== undefined && fault.every !== undefined) {
      ctx.addIssue({ code: "custom", message: "give either at (one fault) or every (random faults), not both" });
    }
    if ("crash" in fault && fault.crash !== "broker" && fault.target === undefined) {
      const example = fault.crash === "consumer" ? "billing/2" : "checkout#1";
      ctx.addIssue({
        code: "custom",
        message: `a ${fault.crash} crash needs a target, e.g. ${example}`,
        path: ["target"],
      });
    }
    if ("crash" in fault && fault.crash !== "consumer" && fault.mode === "hang") {
      ctx.addIssue({
        code: "custom",
        message: `a ${fault.crash} crash is mode process or host; hang applies to consumers only`,
        path: ["mode"],
      });
    }
    if ("crash" in fault && fault.crash === "producer" && fault.point !== "now") {
      ctx.addIssue({ code: "custom", message: "crash points apply to consumer crashes only", path: ["point"] });
    }
    if ("crash" in fault && fault.crash === "broker") {
      if (fault.target !== undefined && fault.target !== "broker" && !/^broker\/\d+$/.test(fault.target)) {
        ctx.addIssue({
          code: "custom",
          message:
            "a broker crash targets the broker (every node, the default) or one node of a kafka cluster: broker/2",
          path: ["target"],
        });
      }
      if (fault.point !== "now") {
        ctx.addIssue({ code: "custom", message: "crash points apply to consumer crashes only", path: ["point"] });
      }
    }
  });

export type FaultSpec = z.output<typeof faultSchema>;
export type CrashFaultSpec = z.output<typeof crashFault>;
export type StopFaultSpec = z.output<typeof stopFault>;
