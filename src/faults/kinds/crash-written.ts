import * as z from "zod";
import { duration } from "../../units/quantities.js";
import type { IssueSink } from "../kind.js";
import { startFields } from "../timing.js";

/**
 * `crash:` as users write it, shared by the consumer, broker and producer
 * crash kinds: one written form, so one member of the `faults:` union.
 */
export const crashSchema = z.strictObject({
  ...startFields,
  crash: z.enum(["consumer", "broker", "producer"]).meta({ description: "what crashes" }),
  target: z.string().optional().meta({
    description:
      "consumer crash: an instance (billing/2), a group (billing: every instance) or billing/* (one at random); broker crash: broker (every node) or broker/2 (one node of a kafka cluster)",
  }),
  broker: z.string().optional().meta({
    description: "broker crash: which broker, by its name in brokers: (default main, the broker: section)",
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

export type CrashSpec = z.output<typeof crashSchema>;

/** A crash of what `crash` names, as parsed. */
export type CrashOf<What extends CrashSpec["crash"]> = CrashSpec & { crash: What };

export function isCrashOf<What extends CrashSpec["crash"]>(what: What) {
  return (spec: object): spec is CrashOf<What> => "crash" in spec && spec.crash === what;
}

/** A consumer or producer crash must say which instance; the example shows how one is named. */
export function requireTarget(spec: CrashSpec, example: string, issues: IssueSink): void {
  if (spec.target !== undefined) return;
  issues.addIssue({
    code: "custom",
    message: `a ${spec.crash} crash needs a target, e.g. ${example}`,
    path: ["target"],
  });
}

/** Only a consumer can hang: a frozen broker or producer is not modelled. */
export function refuseHang(spec: CrashSpec, issues: IssueSink): void {
  if (spec.mode !== "hang") return;
  issues.addIssue({
    code: "custom",
    message: `a ${spec.crash} crash is mode process or host; hang applies to consumers only`,
    path: ["mode"],
  });
}

/** Crash points are steps of a consumer's cycle. */
export function refusePoint(spec: CrashSpec, issues: IssueSink): void {
  if (spec.point === "now") return;
  issues.addIssue({ code: "custom", message: "crash points apply to consumer crashes only", path: ["point"] });
}

/** Only a broker crash picks a broker; a consumer or producer crash hits the component itself, wherever it lives. */
export function refuseBrokerName(spec: CrashSpec, issues: IssueSink): void {
  if (spec.broker === undefined) return;
  issues.addIssue({
    code: "custom",
    message: `broker: names the broker a broker crash hits; a ${spec.crash} crash hits its target wherever it lives`,
    path: ["broker"],
  });
}
