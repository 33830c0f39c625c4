import type { BrokerFailure } from "../../brokers/broker.js";
import type { Components } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault, type Path, type TargetProblem } from "../kind.js";
import { timingOf } from "../timing.js";
import { type CrashOf, crashSchema, isCrashOf, refuseHang, refusePoint } from "./crash-written.js";

/** `crash: broker`: every node, or one node of a cluster, until restartAfter. */
export interface BrokerCrash extends NormalFault {
  kind: "broker-crash";
  /** The node (from 0), or null for the whole broker. */
  node: number | null;
  /** A hang is refused for brokers by the schema; what is left is whether the host survived. */
  failure: BrokerFailure;
  /** µs from the crash to the restart; null: at duration. */
  restartAfter: number | null;
  /** Which broker, only when not the main one: i for the i-th of `brokers:` (from 1), with its name for occurrences. */
  broker?: number;
  brokerName?: string;
}

export interface BrokerCrashEffects {
  /** Whole broker only: deliveries open (sent, not yet acked) when it crashed. */
  deliveriesOpen?: number;
}

export const brokerCrash = defineFaultKind({
  kind: "broker-crash",
  schema: crashSchema,
  is: isCrashOf("broker"),
  refine(spec, issues) {
    refuseHang(spec, issues);
    if (spec.target !== undefined && spec.target !== "broker" && !/^broker\/\d+$/.test(spec.target)) {
      issues.addIssue({
        code: "custom",
        message: "a broker crash targets the broker (every node, the default) or one node of a kafka cluster: broker/2",
        path: ["target"],
      });
    }
    refusePoint(spec, issues);
  },
  checkTargets: (spec, at, components) => {
    const broker = components.brokerNames.indexOf(spec.broker ?? "main");
    if (broker < 0) return [unknownBroker([...at, "broker"], spec.broker!, components)];
    return spec.target?.startsWith("broker/")
      ? brokerNodeProblems([...at, "target"], spec.target, components.brokerProfiles[broker]!)
      : [];
  },
  normalize: (spec: CrashOf<"broker">, index, components): BrokerCrash => ({
    kind: "broker-crash",
    index,
    timing: timingOf(spec),
    // broker/2 is node 1, like consumer instances counted from 1.
    node: spec.target?.startsWith("broker/") ? Number(spec.target.slice("broker/".length)) - 1 : null,
    failure: spec.mode === "host" ? "host" : "process",
    restartAfter: spec.restartAfter ?? null,
    ...extraBrokerOf(spec, components),
  }),
  inject(fault: BrokerCrash, injection: Injection<BrokerCrashEffects>) {
    const { duration, sim } = injection.world;
    // The main broker keeps its old occurrence name, `broker`; another is named as brokers: names it.
    const extra = fault.broker === undefined ? null : injection.world.extraBrokers![fault.broker - 1]!;
    const { broker, deliveries } = extra ?? injection.world;
    const name = fault.brokerName ?? "broker";
    const restartAt = sim.now + (fault.restartAfter ?? duration);
    const node = fault.node;
    if (node === null) {
      const occurrence = injection.begin(name, { deliveriesOpen: deliveries.inFlight });
      broker.crash(fault.failure);
      injection.endAt(occurrence, restartAt, () => broker.restart());
    } else {
      // One node of a cluster: the others go on serving.
      const occurrence = injection.begin(`${name}/${node + 1}`, {});
      broker.crash(fault.failure, node);
      injection.endAt(occurrence, restartAt, () => broker.restart(node));
    }
  },
});

/**
 * A broker crash aimed at one node (broker/2, 1-based like consumer
 * instances) needs a profile that models several nodes (its definition's
 * `nodes`). Every other profile is one node, named `broker`.
 */
function brokerNodeProblems(
  path: Path,
  target: string,
  { nodes, profile }: Components["brokerProfiles"][number],
): TargetProblem[] {
  if (nodes === null) {
    const message = `"${target}": profile ${profile} models a single broker node; crash it with target broker (or no target)`;
    return [{ path, message, candidates: ["broker"] }];
  }
  // Highest first: a node past the end is most likely meant as the last one.
  const names = [...Array.from({ length: nodes }, (_, i) => `broker/${nodes - i}`), "broker"];
  if (names.includes(target)) return [];
  const message = `"${target}" is not a broker of this cluster: broker.brokers is ${nodes}, so broker/1 to broker/${nodes}`;
  return [{ path, message, candidates: names }];
}

/** `broker:` naming no broker of the scenario: main, or a name from `brokers:`. */
function unknownBroker(path: Path, name: string, components: Components): TargetProblem {
  const names = components.brokerNames;
  return {
    path,
    message: `"${name}" is not a broker of this scenario (brokers: ${names.join(", ")})`,
    candidates: names,
  };
}

/** The broker a crash names, when it is not the main one. */
function extraBrokerOf(spec: CrashOf<"broker">, components: Components): { broker?: number; brokerName?: string } {
  const broker = components.brokerNames.indexOf(spec.broker ?? "main");
  return broker > 0 ? { broker, brokerName: spec.broker! } : {};
}
