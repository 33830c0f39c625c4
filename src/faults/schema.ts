import * as z from "zod";
import { faultKinds, kindOfWritten } from "./registry.js";

type WrittenSchema = (typeof faultKinds)[number]["schema"];

/** Each written form once, in registry order: the crash kinds share one. */
const writtenForms = [...new Set<WrittenSchema>(faultKinds.map((kind) => kind.schema))] as [
  WrittenSchema,
  ...WrittenSchema[],
];

/** Faults as users write them: one of the written forms, plus the checks each kind makes of its own. */
export const faultSchema = z.union(writtenForms).superRefine((fault, ctx) => {
  if ("at" in fault && fault.at !== undefined && fault.every !== undefined) {
    ctx.addIssue({ code: "custom", message: "give either at (one fault) or every (random faults), not both" });
  }
  kindOfWritten(fault).refine?.(fault, ctx);
});

export type FaultSpec = z.output<typeof faultSchema>;
