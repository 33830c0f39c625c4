import * as z from "zod";
import { expectOneOf, problem } from "../check.js";
import { clientNames, consumersNamed, endpointSet, linksBetween } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import type { LinkRef } from "../world.js";
import { linksOf, lostOn } from "./link-target.js";

const partitionSchema = z.strictObject({
  ...windowFields,
  partition: z.strictObject({
    between: z
      .tuple([z.string(), z.string()])
      .meta({ description: "the broker and a producer or consumer group/instance: [broker, billing]" }),
  }),
});

type PartitionSpec = z.output<typeof partitionSchema>;

/** `partition:` the broker and a producer or consumer stop hearing each other, for a window. */
export interface Partition extends NormalFault {
  kind: "partition";
  /** The side cut off from the broker, as written (trimmed), for reports. */
  side: string;
  /** Links both ways between the broker and the side. */
  links: LinkRef[];
  /** Consumer instances on the side: their connections go silent (those up when it starts). */
  consumers: number[];
  /** The window, µs. */
  lasts: number;
}

export interface PartitionEffects {
  /** Messages the cut links lost; set when the partition heals. */
  messagesLost?: number;
}

/** The side other than the broker, or null unless one side is the broker and the other is not. */
function cutSide(spec: PartitionSpec): string | null {
  const sides = spec.partition.between.map((side) => side.trim());
  const other = sides.find((side) => side !== "broker");
  return sides.includes("broker") && other !== undefined ? other : null;
}

export const partition = defineFaultKind({
  kind: "partition",
  schema: partitionSchema,
  is: (spec): spec is PartitionSpec => "partition" in spec,
  checkTargets(spec, at, components) {
    const path = [...at, "partition", "between"];
    const side = cutSide(spec);
    if (side === null)
      return problem(path, "a partition separates the broker from a producer or consumer: [broker, billing]");
    return expectOneOf(path, side, clientNames(components), "a producer or consumer group or instance");
  },
  normalize: (spec: PartitionSpec, index, components): Partition => {
    const side = cutSide(spec) ?? "";
    // The broker and the side together, on both ends: every link between the two, each way, in the run's order.
    const both = { ...endpointSet(components, side), broker: true };
    return {
      kind: "partition",
      index,
      timing: timingOf(spec),
      side,
      links: linksBetween(components, both, both),
      consumers: consumersNamed(components, side),
      lasts: spec.for,
    };
  },
  inject(fault: Partition, injection: Injection<PartitionEffects>) {
    const { world } = injection;
    const links = linksOf(world, fault.links);
    const cut = fault.consumers.map((index) => world.consumers[index]!).filter((consumer) => consumer.isUp);
    const occurrence = injection.begin(`broker|${fault.side}`, {});
    const before = lostOn(links);
    for (const link of links) link.loss = { probability: 1, rng: () => 0 };
    for (const consumer of cut) consumer.disconnect();
    injection.endAt(occurrence, world.sim.now + fault.lasts, () => {
      for (const link of links) link.loss = null;
      for (const consumer of cut) consumer.reconnect();
      occurrence.effects.messagesLost = lostOn(links) - before;
    });
  },
});
