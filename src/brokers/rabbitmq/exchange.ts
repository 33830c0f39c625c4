import type { RoutingTable } from "../broker.js";
import type { ExchangeType } from "./settings.js";
import { topicMatches } from "./topic.js";

/** Where one routing key goes: the groups whose queues get the message, and the groups it is not addressed to. */
export interface Route {
  groups: readonly number[];
  others: readonly number[];
}

/**
 * The exchange every publish goes through, with one queue per consumer group
 * bound to it by the group's binding keys. Fanout ignores keys and bindings:
 * every queue gets every message. Direct routes to the queues with a binding
 * equal to the routing key; topic to those with a binding pattern matching it.
 * A queue bound by several matching keys still gets one copy. The routes of
 * every producer's keys are worked out once, here, so a publish only looks one up.
 */
export class Exchange {
  /** Per producer instance, per routing key index: its route. */
  private readonly routes: (readonly Route[])[];

  constructor(type: ExchangeType, routing: RoutingTable, groupCount: number) {
    const everyGroup: Route = { groups: Array.from({ length: groupCount }, (_, group) => group), others: [] };
    // Instances of one producer share one key list: route each list once.
    const byList = new Map<readonly string[], Route[]>();
    this.routes = routing.keysOfProducer.map((keys) => {
      let routes = byList.get(keys);
      if (routes === undefined) {
        routes = keys.map((key) => (type === "fanout" ? everyGroup : routeOf(type, key, routing.bindingsOfGroup)));
        byList.set(keys, routes);
      }
      return routes;
    });
  }

  /** The route of a message from `producer` with the routing key at `keyIndex` in that producer's list. */
  route(producer: number, keyIndex: number): Route {
    return this.routes[producer]![keyIndex]!;
  }
}

function routeOf(type: "direct" | "topic", key: string, bindings: readonly (readonly string[] | null)[]): Route {
  const groups: number[] = [];
  const others: number[] = [];
  bindings.forEach((keys, group) => {
    const bound = (keys ?? []).some((binding) => (type === "direct" ? binding === key : topicMatches(binding, key)));
    (bound ? groups : others).push(group);
  });
  return { groups, others };
}
