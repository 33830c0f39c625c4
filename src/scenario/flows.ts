import * as z from "zod";
import { profileNamed, profiles } from "../brokers/profiles.js";
import { duration } from "../units/quantities.js";
import { closestMatch, messages } from "./issues.js";
import { boundsOn } from "./patterns.js";
import type { ParsedScenario } from "./schema.js";
import { weightedMixSchema } from "./weights.js";

/**
 * Pipelines: a consumer group that publishes onward (`publishTo`) after its side effect. The written
 * forms (one group, a list, a fan-out, a weighted or keyed choice) all normalize to one `Onward`, so the
 * run sees a single shape. docs/patterns.md, "Flows", says what each choice means.
 */
const groupName = z.string().min(1).meta({ description: "a consumer group of this scenario" });

const fanOutCount = z
  .union([
    z.number().int().min(1).max(1000).meta({ description: "exactly this many onward messages per input" }),
    weightedMixSchema({
      noun: "count",
      keyProblem: (key) => (/^[1-9][0-9]{0,2}$/.test(key) ? null : `a count is a whole number 1-999, found "${key}"`),
      description: 'count → relative weight, e.g. {"1": 1, "3": 2}: drawn per input',
    }),
  ])
  .default(1);

const fanOutSchema = z.strictObject({
  group: groupName,
  count: fanOutCount.meta({ description: "onward messages per input: a number, or {weights: {count: weight}}" }),
});

const chooseSchema = z.strictObject({
  choose: z
    .record(z.string(), z.number().positive())
    .refine((weights) => Object.keys(weights).length > 0, { message: "give at least one group and its weight" })
    .meta({ description: "group → relative weight: each input goes to one of them" }),
  by: z.enum(["weight", "key"]).default("weight").meta({
    description:
      "weight: a random draw per input; key: the root message's key picks the group, so one key always takes one route",
  }),
});

export const publishToSchema = z
  .union([groupName, z.array(z.union([groupName, fanOutSchema])).min(1), fanOutSchema, chooseSchema])
  .transform((written): Onward => {
    if (typeof written === "string") return { kind: "each", targets: [{ group: written, count: { fixed: 1 } }] };
    if (Array.isArray(written)) return { kind: "each", targets: written.map(targetOf) };
    if ("choose" in written)
      return { kind: "choose", by: written.by, weights: Object.entries(written.choose).map(([g, w]) => [g, w]) };
    return { kind: "each", targets: [targetOf(written)] };
  })
  .meta({
    description:
      "publish onward after the side effect: a group, a list of groups (one message each), {group, count} (fan-out) or {choose: {group: weight}, by} (routing)",
  });

/**
 * Fan-in: the group gathers the parts of one root message (the outputs of an upstream fan-out). Each
 * part is consumed (its side effect applied) as it comes; the set completes when `parts` distinct parts
 * are in, and only then does the group publish onward, once. A set still short at `timeout` after its
 * first part is counted timed out; parts arriving later are counted late.
 */
export const gatherSchema = z.strictObject({
  parts: z.number().int().min(2).max(1000).meta({ description: "distinct parts of one root message to wait for" }),
  timeout: duration()
    .refine((micros) => micros > 0, { message: "a gather timeout must be longer than 0" })
    .meta({ description: "how long after its first part a set may stay incomplete" }),
});

/**
 * A bound on a stage's onward publishing, which lets stages form a cycle (a retry loop, an order bouncing
 * between two services): a message's hops are the stages its flow passed through since its root (a
 * producer's message has made 0), and this stage publishes onward only for an input that made fewer than
 * `maxHops`; otherwise it publishes nothing and counts the input `hopLimited`, and the flow ends there.
 */
export const maxHopsSchema = z.number().int().min(1).max(10_000).meta({
  description:
    "bounds a cycle of stages: publish onward only for an input that made fewer than this many hops since its root (a producer's message made 0); the rest end their flow here, counted hopLimited",
});

/** Figures of a stage that `expect.stages.<group>` may bound, as summary.json names them (latencies flattened). */
export const STAGE_FIGURES = [
  "received",
  "publishedOnward",
  "consumed",
  "lost",
  "duplicated",
  "pending",
  "hopLimited",
  "latencyMeanMs",
  "latencyP99Ms",
] as const;
export const END_TO_END_FIGURES = ["completed", "incomplete", "latencyMeanMs", "latencyP99Ms"] as const;

export const expectFlowsFields = {
  stages: z.record(z.string(), boundsOn(STAGE_FIGURES)).optional().meta({
    description: "bounds on pipeline stage figures, by group: {transcode: {lost: {max: 0}, latencyP99Ms: {max: 5000}}}",
  }),
  endToEnd: boundsOn(END_TO_END_FIGURES).optional().meta({
    description: "bounds on the flows from producers' messages to the last stages: {incomplete: {max: 0}}",
  }),
};

/** A stage's onward publishing, normalized. */
export type Onward =
  | { kind: "each"; targets: OnwardTarget[] }
  | { kind: "choose"; by: "weight" | "key"; weights: [string, number][] };

export interface OnwardTarget {
  group: string;
  /** Onward messages per input: fixed, or a weighted mix of counts. */
  count: { fixed: number } | { weights: [number, number][] };
}

function targetOf(written: string | z.output<typeof fanOutSchema>): OnwardTarget {
  if (typeof written === "string") return { group: written, count: { fixed: 1 } };
  const count = written.count;
  return {
    group: written.group,
    count:
      typeof count === "number"
        ? { fixed: count }
        : { weights: Object.entries(count.weights).map(([n, w]) => [Number(n), w] as [number, number]) },
  };
}

/** The groups a stage may publish to, in the order written. */
export function targetsOf(onward: Onward): string[] {
  return onward.kind === "each" ? onward.targets.map((t) => t.group) : onward.weights.map(([group]) => group);
}

export interface FlowProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/**
 * What the schema cannot see: targets that name no group (with a suggestion), a stage publishing to
 * itself or round a cycle with no maxHops on it (refused: nothing bounds the loop), and profiles that cannot yet give each
 * stage its own queue.
 */
export function flowProblems(scenario: ParsedScenario): FlowProblem[] {
  const stages = scenario.consumers.map((c) => c.publishTo);
  const expected = scenario.expect.stages !== undefined || scenario.expect.endToEnd !== undefined;
  const withoutOnward = onwardFieldProblems(scenario);
  if (withoutOnward.length > 0) return withoutOnward;
  if (stages.every((s) => s === undefined) && scenario.consumers.every((c) => c.gather === undefined)) {
    if (!expected) return [];
    const path = ["expect", scenario.expect.stages !== undefined ? "stages" : "endToEnd"];
    return [{ path, message: "expectations on stages need a consumer group with publishTo; this scenario has none" }];
  }
  const problems: FlowProblem[] = [];
  const groups = scenario.consumers.map((c) => c.group);
  const profile = profileNamed(scenario.broker.profile);
  // With brokers:, a stage feeding only groups on another broker needs nothing of the main one (src/scenario/brokers.ts).
  if (profile.routesStages !== true && feedsMainBroker(scenario))
    problems.push({
      path: ["broker", "profile"],
      message:
        profile.stagesRefusal === undefined
          ? `publishTo needs a profile that gives each stage its own queue; ${profile.name} does not yet (use one of ${stageProfiles()})`
          : `publishTo is refused on ${profile.name}: ${profile.stagesRefusal} (profiles with stages: ${stageProfiles()})`,
    });
  stages.forEach((onward, index) => {
    if (onward === undefined) return;
    for (const [position, target] of targetsOf(onward).entries()) {
      const path = ["consumers", index, "publishTo", ...writtenPath(onward, position, target)];
      if (!groups.includes(target)) problems.push(unknownTarget(path, target, groups));
      else if (target === groups[index] && scenario.consumers[index]!.maxHops === undefined)
        problems.push({
          path,
          message: `group "${target}" publishes to itself: a loop without end; bound it with maxHops on ${target} (e.g. maxHops: 3)`,
        });
    }
  });
  if (problems.length === 0) problems.push(...cycleProblems(scenario));
  if (problems.length === 0) problems.push(...entryProblems(scenario));
  if (problems.length === 0) problems.push(...gatherProblems(scenario));
  return [...problems, ...expectProblems(scenario)];
}

/** expect.stages naming no group, or bounding hopLimited on a group without maxHops. */
function expectProblems(scenario: ParsedScenario): FlowProblem[] {
  const groups = scenario.consumers.map((c) => c.group);
  const named = Object.keys(scenario.expect.stages ?? {}).filter((name) => !groups.includes(name));
  const problems = named.map((name) => unknownTarget(["expect", "stages", name], name, groups, "expect.stages"));
  for (const [name, bounds] of Object.entries(scenario.expect.stages ?? {})) {
    const consumer = scenario.consumers.find((c) => c.group === name);
    if (consumer !== undefined && consumer.maxHops === undefined && "hopLimited" in (bounds as object))
      problems.push({
        path: ["expect", "stages", name, "hopLimited"],
        message: `hopLimited counts the inputs a stage's maxHops stopped; group "${name}" has no maxHops`,
      });
  }
  return problems;
}

/** maxHops and writes bound or carry a stage's onward publishing: a group without publishTo has none. */
function onwardFieldProblems(scenario: ParsedScenario): FlowProblem[] {
  const problems: FlowProblem[] = [];
  scenario.consumers.forEach((consumer, index) => {
    if (consumer.publishTo !== undefined) return;
    for (const field of ["maxHops", "writes"] as const)
      if (consumer[field] !== undefined)
        problems.push({
          path: ["consumers", index, field],
          message: `${field} is about a stage's onward messages, but group "${consumer.group}" has no publishTo`,
        });
  });
  return problems;
}

/** A gather needs parts to gather: some stage upstream of it must fan out (publish more than one message per input). */
function gatherProblems(scenario: ParsedScenario): FlowProblem[] {
  const problems: FlowProblem[] = [];
  scenario.consumers.forEach((consumer, index) => {
    if (consumer.gather === undefined) return;
    if (!upstreamFansOut(scenario, consumer.group, new Set()))
      problems.push({
        path: ["consumers", index, "gather"],
        message: `group "${consumer.group}" gathers ${consumer.gather.parts} parts, but no stage upstream of it fans out (publishTo with a count above 1 or several targets): every set would time out`,
      });
  });
  return problems;
}

function upstreamFansOut(scenario: ParsedScenario, group: string, seen: Set<string>): boolean {
  seen.add(group);
  return scenario.consumers.some((c) => {
    if (c.publishTo === undefined || !targetsOf(c.publishTo).includes(group)) return false;
    if (fansOut(c.publishTo)) return true;
    return !seen.has(c.group) && upstreamFansOut(scenario, c.group, seen);
  });
}

function fansOut(onward: Onward): boolean {
  if (onward.kind === "choose") return false;
  return onward.targets.length > 1 || onward.targets.some((t) => !("fixed" in t.count) || t.count.fixed > 1);
}

function stageProfiles(): string {
  return profiles
    .filter((p) => p.routesStages === true)
    .map((p) => p.name)
    .join(", ");
}

/** Where in the written form a target sits, for the error's path. */
function writtenPath(onward: Onward, position: number, target: string): (string | number)[] {
  return onward.kind === "choose" ? ["choose", target] : onward.targets.length > 1 ? [position] : [];
}

function unknownTarget(path: (string | number)[], target: string, groups: string[], field = "publishTo"): FlowProblem {
  const suggestion = closestMatch(target, groups) ?? sharedPrefix(target, groups);
  return {
    path,
    message: `${field} names "${target}", but no consumer group is called that (groups: ${groups.join(", ")})`,
    ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
  };
}

/** A group that starts with the same four or more letters ("shipping" and "shipments"), when edit distance finds none. */
function sharedPrefix(target: string, groups: string[]): string | undefined {
  let best: string | undefined;
  let bestLength = 3;
  for (const group of groups) {
    let length = 0;
    while (length < Math.min(group.length, target.length) && group[length] === target[length]) length++;
    if (length > bestLength) {
      best = group;
      bestLength = length;
    }
  }
  return best;
}

/**
 * A cycle of stages none of which has maxHops would pass messages round it for ever: refused, naming the
 * cycle. A stage with maxHops bounds every cycle through it, so its edges are left out of the search.
 */
function cycleProblems(scenario: ParsedScenario): FlowProblem[] {
  const groups = scenario.consumers.map((c) => c.group);
  const next = scenario.consumers.map((c) =>
    c.publishTo === undefined || c.maxHops !== undefined ? [] : targetsOf(c.publishTo).map((t) => groups.indexOf(t)),
  );
  const state = new Uint8Array(groups.length);
  const trail: number[] = [];
  const visit = (group: number): number[] | null => {
    state[group] = 1;
    trail.push(group);
    for (const target of next[group]!) {
      if (state[target] === 1) return [...trail.slice(trail.indexOf(target)), target];
      if (state[target] === 0) {
        const cycle = visit(target);
        if (cycle !== null) return cycle;
      }
    }
    trail.pop();
    state[group] = 2;
    return null;
  };
  for (let group = 0; group < groups.length; group++) {
    if (state[group] !== 0) continue;
    const cycle = visit(group);
    if (cycle !== null)
      return [
        unboundedCycle(
          cycle.map((g) => groups[g]!),
          cycle[0]!,
        ),
      ];
  }
  return [];
}

/** Producers' messages go to the groups no stage feeds: when stages feed every group (a bounded cycle), none would get them. */
function entryProblems(scenario: ParsedScenario): FlowProblem[] {
  const fed = stageTargets(scenario);
  if (
    scenario.consumers.some((c) => !fed.has(c.group)) ||
    (scenario.sagas !== undefined && Object.keys(scenario.sagas).length > 0)
  )
    return [];
  return [
    {
      path: ["consumers"],
      message: `every consumer group is fed by a stage (${[...fed].join(", ")}), so producers' messages would reach none: producers publish to the groups no stage publishes to; add one that publishes into the cycle`,
    },
  ];
}

function unboundedCycle(names: string[], first: number): FlowProblem {
  return {
    path: ["consumers", first, "publishTo"],
    message: `the stages form a cycle (${names.join(" → ")}) with no hop limit: a message could go round for ever; give one of its stages maxHops (e.g. maxHops: 3 on ${names[0]}) to bound it`,
  };
}

/** Groups some stage publishes to: they consume only what their upstream stages publish. */
export function stageTargets(scenario: ParsedScenario): Set<string> {
  const targets = new Set<string>();
  for (const consumer of scenario.consumers)
    if (consumer.publishTo !== undefined) for (const t of targetsOf(consumer.publishTo)) targets.add(t);
  return targets;
}

/** Whether some stage publishes to a group on the main broker (every fed group, without `brokers:`). */
function feedsMainBroker(scenario: ParsedScenario): boolean {
  const onMain = new Set(
    scenario.consumers.filter((c) => c.broker === undefined || c.broker === "main").map((c) => c.group),
  );
  return (
    [...stageTargets(scenario)].some((group) => onMain.has(group)) ||
    scenario.consumers.some((c) => c.gather !== undefined && onMain.has(c.group))
  );
}
