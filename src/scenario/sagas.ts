import * as z from "zod";
import { profileNamed, profiles } from "../brokers/profiles.js";
import { duration } from "../units/quantities.js";
import { closestMatch, messages } from "./issues.js";
import { boundsOn } from "./patterns.js";
import type { ParsedScenario } from "./schema.js";

/**
 * Sagas: a multi-step business flow over consumer groups (reserve stock → charge card → ship), whose
 * failing step sends compensations for the steps already done, newest first. Orchestrated: each saga's
 * state is kept by its coordinator, which publishes the next command or the next compensation.
 * docs/patterns.md, "Sagas", says what each choice means.
 */
const failureShare = z
  .union([
    z.number().min(0).max(1),
    z.string().regex(/^\d+(\.\d+)?%$/, { message: 'expected a share 0-1, or a percentage such as "5%"' }),
  ])
  .transform((value) => (typeof value === "number" ? value : Number(value.slice(0, -1)) / 100))
  .refine((share) => share <= 1, { message: "a failure share is at most 100%" })
  .default(0)
  .meta({
    description: "share of this step's commands that fail for business reasons (a declined card): 0-1 or a percentage",
  });

const stepSchema = z.strictObject({
  group: z.string().min(1).meta({ description: "the consumer group that carries out this step's command" }),
  compensate: z.string().min(1).optional().meta({
    description: "the consumer group that undoes this step (refund, release stock); needed when a later step can fail",
  }),
  failure: failureShare,
});

const sagaSchema = z.strictObject({
  steps: z
    .array(stepSchema)
    .min(2)
    .meta({ description: "the steps in order; the first step's group consumes the producers' messages" }),
  timeout: duration()
    .refine((micros) => micros > 0, { message: "a saga timeout must be longer than 0" })
    .meta({ description: "a saga neither completed nor compensated this long after it started is stuck" }),
});

export const sagasSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "a saga name is lower case letters, digits and -" }),
    sagaSchema,
  )
  .optional()
  .meta({
    description:
      "sagas by name: {checkout: {steps: [{group: stock, compensate: release}, {group: payment, failure: 5%}, {group: shipping}], timeout: 5m}}",
  });

export type SagaSpec = z.output<typeof sagaSchema>;

/** Figures of a saga that `expect.sagas.<name>` may bound, as summary.json names them. */
export const SAGA_FIGURES = [
  "started",
  "completed",
  "compensated",
  "stuck",
  "inFlight",
  "compensatedTwice",
  "compensationsSent",
  "compensationsApplied",
  "compensationsLost",
] as const;

export const expectSagasField = {
  sagas: z.record(z.string(), boundsOn(SAGA_FIGURES)).optional().meta({
    description: 'bounds on saga outcomes, by saga: {checkout: {stuck: {max: 0}}} ("no saga left half-done")',
  }),
};

export interface SagaProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/**
 * What the schema cannot see: groups that do not exist (with a suggestion), a group given two roles, a
 * saga group that also publishes onward or gathers, a step that a later failing step would need undone
 * but has no compensation, a profile that cannot give each group its own queue, and expect.sagas naming
 * no saga.
 */
export function sagaProblems(scenario: ParsedScenario): SagaProblem[] {
  const sagas = Object.entries(scenario.sagas ?? {});
  const expected = Object.keys(scenario.expect.sagas ?? {});
  const names = sagas.map(([name]) => name);
  const problems: SagaProblem[] = expected
    .filter((name) => !names.includes(name))
    .map((name) => {
      const suggestion = closestMatch(name, names);
      return {
        path: ["expect", "sagas", name],
        message:
          names.length === 0
            ? `expect.sagas names "${name}", but the scenario declares no sagas`
            : `expect.sagas names "${name}", but no saga is called that (sagas: ${names.join(", ")})`,
        ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
      };
    });
  if (sagas.length === 0) return problems;
  const profile = profileNamed(scenario.broker.profile);
  if (profile.routesStages !== true)
    problems.push({
      path: ["broker", "profile"],
      message: `sagas need a profile that gives each group its own queue; ${profile.name} does not (use one of ${profiles
        .filter((p) => p.routesStages === true)
        .map((p) => p.name)
        .join(", ")})`,
    });
  const roles = new Map<string, string>();
  for (const [name, saga] of sagas) problems.push(...stepProblems(scenario, name, saga, roles));
  return problems;
}

function stepProblems(
  scenario: ParsedScenario,
  name: string,
  saga: SagaSpec,
  roles: Map<string, string>,
): SagaProblem[] {
  const groups = scenario.consumers.map((c) => c.group);
  const problems: SagaProblem[] = [];
  const claim = (group: string, path: (string | number)[], role: string) => {
    const index = groups.indexOf(group);
    if (index < 0) return problems.push(unknownGroup(path, group, groups));
    const earlier = roles.get(group);
    if (earlier !== undefined)
      return problems.push({
        path,
        message: `group "${group}" is ${earlier} already; a group plays one role in one saga`,
      });
    roles.set(group, role);
    const consumer = scenario.consumers[index]!;
    if (consumer.publishTo !== undefined || consumer.gather !== undefined)
      problems.push({
        path,
        message: `group "${group}" is ${role} and also has ${consumer.publishTo !== undefined ? "publishTo" : "gather"}: the saga publishes its commands and compensations itself`,
      });
    return 0;
  };
  saga.steps.forEach((step, index) => {
    const path = ["sagas", name, "steps", index];
    claim(step.group, [...path, "group"], `step ${index + 1} of saga ${name}`);
    if (step.compensate !== undefined)
      claim(step.compensate, [...path, "compensate"], `the compensation of step ${index + 1} of saga ${name}`);
    const laterFailure = saga.steps.findIndex((later, at) => at > index && later.failure > 0);
    if (step.compensate === undefined && laterFailure >= 0)
      problems.push({
        path,
        message: `step ${index + 1} (${step.group}) has no compensate, but step ${laterFailure + 1} (${saga.steps[laterFailure]!.group}) can fail after it: name the group that undoes it (compensate: ...)`,
      });
  });
  return problems;
}

function unknownGroup(path: (string | number)[], group: string, groups: string[]): SagaProblem {
  const suggestion = closestMatch(group, groups) ?? groups.find((g) => g.slice(0, 4) === group.slice(0, 4));
  return {
    path,
    message: `the saga names "${group}", but no consumer group is called that (groups: ${groups.join(", ")})`,
    ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
  };
}

/** Groups a saga feeds (every saga group but the first steps'): they consume only the saga's commands. */
export function sagaFedGroups(scenario: ParsedScenario): Set<string> {
  const fed = new Set<string>();
  for (const saga of Object.values(scenario.sagas ?? {}))
    saga.steps.forEach((step, index) => {
      if (index > 0) fed.add(step.group);
      if (step.compensate !== undefined) fed.add(step.compensate);
    });
  return fed;
}
