import { profileNamed, profiles } from "../brokers/profiles.js";
import { targetsOf } from "./flows.js";
import { closestMatch, messages } from "./issues.js";
import type { ParsedScenario } from "./schema.js";

/**
 * A second broker (docs/patterns.md, "A second broker"): `brokers:` declares further brokers by name, each a
 * whole profile instance; `broker: <name>` on a consumer group puts its queue or topic there. The main broker
 * (the `broker:` section) is called `main`. Producers publish to the main broker only, so a group elsewhere is
 * fed by stages (`publishTo`) alone.
 */
export const MAIN_BROKER = "main";

type Problem = { path: (string | number)[]; message: string; hint?: string };

/** The broker each group lives on, by name (`main` unless it says otherwise). */
export function brokerOfGroup(scenario: Pick<ParsedScenario, "consumers">): string[] {
  return scenario.consumers.map((c) => c.broker ?? MAIN_BROKER);
}

/** Whether the scenario declares a second broker at all: the one check a scenario without `brokers:` pays. */
export function declaresBrokers(scenario: Pick<ParsedScenario, "brokers">): boolean {
  return scenario.brokers !== undefined && Object.keys(scenario.brokers).length > 0;
}

/**
 * What the schema cannot see about brokers: a name that is reserved or unknown (with a suggestion), a broker
 * nothing uses, a group elsewhere that no stage feeds, a profile there that cannot give a stage its queue,
 * and the combinations not modelled across brokers (each refused with why).
 */
export function brokerProblems(scenario: ParsedScenario): Problem[] {
  const declared = Object.keys(scenario.brokers ?? {});
  const names = [MAIN_BROKER, ...declared];
  const problems: Problem[] = [];
  if (declared.includes(MAIN_BROKER))
    problems.push({
      path: ["brokers", MAIN_BROKER],
      message: `"${MAIN_BROKER}" names the broker: section; give this broker another name`,
    });
  scenario.consumers.forEach((consumer, index) => {
    const name = consumer.broker;
    if (name === undefined || names.includes(name)) return;
    const suggestion = closestMatch(name, names);
    problems.push({
      path: ["consumers", index, "broker"],
      message: `broker names "${name}", but the scenario has no broker called that (brokers: ${names.join(", ")})`,
      ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
    });
  });
  if (problems.length > 0 || declared.length === 0) return problems;
  for (const name of declared) problems.push(...placementProblems(scenario, name));
  problems.push(...crossingProblems(scenario));
  return problems;
}

/** One declared broker: something must live on it, be fed by a stage, and its profile must route stages. */
function placementProblems(scenario: ParsedScenario, name: string): Problem[] {
  const at = brokerOfGroup(scenario);
  const groups = scenario.consumers.map((c, index) => ({ c, index })).filter(({ index }) => at[index] === name);
  if (groups.length === 0)
    return [
      {
        path: ["brokers", name],
        message: `no consumer group lives on broker "${name}": give one broker: ${name} (and a stage that publishes to it), or remove it`,
      },
    ];
  const problems: Problem[] = [];
  const profile = profileNamed(scenario.brokers![name]!.profile);
  if (profile.routesStages !== true)
    problems.push({
      path: ["brokers", name, "profile"],
      message: `a group on broker "${name}" is fed by stages, which needs a profile that gives each stage its own queue; ${profile.name} does not (use one of ${profiles
        .filter((p) => p.routesStages === true)
        .map((p) => p.name)
        .join(", ")})`,
    });
  const fed = new Set(scenario.consumers.flatMap((c) => (c.publishTo ? targetsOf(c.publishTo) : [])));
  const sagas = sagaGroups(scenario);
  for (const { c, index } of groups) {
    const path = ["consumers", index, "broker"];
    if (sagas.has(c.group))
      problems.push({ path, message: `group "${c.group}" takes part in a saga; sagas run on the main broker only` });
    else if (!fed.has(c.group))
      problems.push({
        path,
        message: `nothing publishes to group "${c.group}" on broker "${name}": producers publish to the main broker only, so a group elsewhere needs a stage with publishTo: ${c.group}`,
      });
    if (c.redrive !== undefined)
      problems.push({
        path: ["consumers", index, "redrive"],
        message: `a DLQ redrive runs on the main broker only; group "${c.group}" lives on "${name}"`,
      });
  }
  return problems;
}

/**
 * A transactional Kafka stage publishing to another broker: the onward message would leave the transaction
 * (Kafka's transactions cover Kafka's own topics), a case the model does not represent yet: refused.
 */
function crossingProblems(scenario: ParsedScenario): Problem[] {
  const at = brokerOfGroup(scenario);
  const indexOf = (group: string) => scenario.consumers.findIndex((c) => c.group === group);
  const sectionOf = (name: string) => (name === MAIN_BROKER ? scenario.broker : scenario.brokers![name]!);
  const problems: Problem[] = [];
  scenario.consumers.forEach((consumer, index) => {
    if (consumer.publishTo === undefined) return;
    const crosses = targetsOf(consumer.publishTo).some((target) => at[indexOf(target)] !== at[index]);
    const settings = sectionOf(at[index]!).settings as { commit?: unknown };
    if (crosses && settings.commit === "transactional")
      problems.push({
        path: ["consumers", index, "publishTo"],
        message: `group "${consumer.group}" commits transactionally and publishes to another broker: a Kafka transaction cannot include that publish, and this is not modelled; use commit: after-processing (duplicates then reach the next stage on a crash)`,
      });
  });
  return problems;
}

/**
 * Runs a check that judges consumer groups by the broker's profile once per broker, on the groups that
 * live there (the group's own broker decides), and maps its paths back to the scenario's group indices.
 * The main broker's pass also sees the producers; the others see none (producers publish to the main one).
 * Without `brokers:` it is the check itself.
 */
export function onEachBroker<T extends { path: (string | number)[] }>(
  scenario: ParsedScenario,
  check: (scenario: ParsedScenario) => T[],
): T[] {
  if (!declaresBrokers(scenario)) return check(scenario);
  const at = brokerOfGroup(scenario);
  const found: T[] = [];
  for (const name of [MAIN_BROKER, ...Object.keys(scenario.brokers!)]) {
    const indices = at.flatMap((broker, index) => (broker === name ? [index] : []));
    const broker = name === MAIN_BROKER ? scenario.broker : scenario.brokers![name]!;
    const projected: ParsedScenario = {
      ...scenario,
      broker,
      consumers: indices.map((index) => scenario.consumers[index]!),
      producers: name === MAIN_BROKER ? scenario.producers : [],
    };
    for (const problem of check(projected)) {
      const [head, position, ...rest] = problem.path;
      if (head === "consumers" && typeof position === "number")
        found.push({ ...problem, path: ["consumers", indices[position]!, ...rest] });
      else if (name === MAIN_BROKER) found.push(problem);
    }
  }
  return found;
}

/** Every group a saga names: its steps' groups and their compensations. */
function sagaGroups(scenario: ParsedScenario): Set<string> {
  const groups = new Set<string>();
  for (const saga of Object.values(scenario.sagas ?? {}))
    for (const step of saga.steps) {
      groups.add(step.group);
      if (step.compensate !== undefined) groups.add(step.compensate);
    }
  return groups;
}
