import * as z from "zod";
import { expectOneOf } from "../check.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import type { FaultWorld } from "../world.js";

const poisonSchema = z.strictObject({
  poison: z.strictObject({
    fraction: z.number().min(0).max(1).meta({ description: "share of messages whose processing always fails" }),
    producer: z.string().optional().meta({ description: "only this producer's messages; default all" }),
  }),
});

type PoisonSpec = z.output<typeof poisonSchema>;

/**
 * `poison:` a share of messages always fails processing. Which ones is decided
 * as producers create them (see src/run/build.ts), for the whole run.
 */
export interface Poison extends NormalFault {
  kind: "poison";
  /** The producer (index in the scenario's list, not an instance), or null for every producer. */
  producer: number | null;
  /** The producer's name, or `*`, for reports. */
  label: string;
  fraction: number;
}

export interface PoisonEffects {
  /** Poison messages in the whole run, from every poison fault together; set when the run has ended. */
  poisonMessages?: number;
}

export const poison = defineFaultKind({
  kind: "poison",
  schema: poisonSchema,
  is: (spec): spec is PoisonSpec => "poison" in spec,
  checkTargets: (spec, at, components) =>
    spec.poison.producer === undefined
      ? []
      : expectOneOf([...at, "poison", "producer"], spec.poison.producer, components.producers, "a producer"),
  normalize: (spec: PoisonSpec, index, components): Poison => {
    const producer = spec.poison.producer;
    return {
      kind: "poison",
      index,
      timing: "whole-run",
      producer: producer === undefined ? null : components.producers.indexOf(producer),
      label: producer ?? "*",
      fraction: spec.poison.fraction,
    };
  },
  inject(fault: Poison, injection: Injection<PoisonEffects>) {
    injection.begin(fault.label, {});
  },
  finish(effects: PoisonEffects, world: FaultWorld) {
    const { messages } = world;
    let poisoned = messages.retiredPoison;
    messages.forEachInPlay((id) => {
      poisoned += messages.poison[messages.slot(id)]!;
    });
    effects.poisonMessages = poisoned;
  },
});
