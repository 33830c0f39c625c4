import { expectOneOf, problem } from "../check.js";
import { type Components, clientNames, endpointSet, linksBetween } from "../components.js";
import type { Path, TargetProblem } from "../kind.js";
import type { FaultableLink, FaultWorld, LinkRef } from "../world.js";

/** A link written `from->to`, each side trimmed; null if it is not two sides. */
export function linkSides(written: string): [string, string] | null {
  const sides = written.split("->").map((side) => side.trim());
  return sides.length === 2 ? (sides as [string, string]) : null;
}

/** Latency links: each side names the broker, `*`, or any producer or consumer. */
export function checkLinkSides(path: Path, written: string, components: Components): TargetProblem[] {
  const sides = linkSides(written);
  if (sides === null) return problem(path, 'a link is written "from->to", e.g. broker->billing');
  const endpoints = ["broker", "*", ...clientNames(components)];
  return sides.flatMap((side) =>
    expectOneOf(path, side, endpoints, "a component (broker, a producer, a group or an instance)"),
  );
}

/** The links a valid `from->to` names; a pattern naming no existing link names none. */
export function linksNamed(components: Components, written: string): LinkRef[] {
  const [from, to] = linkSides(written)!;
  return linksBetween(components, endpointSet(components, from), endpointSet(components, to));
}

export function linksOf(world: FaultWorld, refs: readonly LinkRef[]): FaultableLink[] {
  return refs.map((ref) => world.link(ref));
}

export function lostOn(links: readonly FaultableLink[]): number {
  return links.reduce((sum, link) => sum + link.lost, 0);
}
