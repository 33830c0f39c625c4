import type { LineageEvent } from "../metrics/lineage.js";
import { microsToMillis } from "../units/units.js";
import type { Run } from "./run.js";

/** One counter-example message's timeline across components, with the faults around it: lineage.json's items. */
export interface Lineage {
  /** The failed check's index in the run's checks (and the page's anchor, lineage-<check>). */
  check: number;
  checkName: string;
  message: number;
  group: string;
  /** Swimlanes, top to bottom: the producer instance, the broker, then consumer instances in order of appearance. */
  lanes: string[];
  events: { atMs: number; lane: string; event: LineageEvent["event"]; detail: string }[];
  /** Events beyond the per-message limit, counted and left out. */
  omitted: number;
  /** Faults whose window overlaps the timeline, on the lane of their target (null: not one of the lanes). */
  faults: { fault: number; kind: string; target: string; lane: string | null; startMs: number; endMs: number }[];
}

/** The lane the broker's own events and broker faults go on. */
export const BROKER_LANE = "broker";

/** The messages whose lineage a run's report shows: each failed check's counter-example message, once. */
export function counterExampleMessages(run: Run): number[] {
  const ids = run.checks.flatMap((check) => (check.counterExample ? [check.counterExample.message] : []));
  return [...new Set(ids)];
}

/** Turns recorded events (by index) into named timelines, one per failed check with a counter-example. */
export function lineagesOf(
  run: Run,
  recorded: ReadonlyMap<number, readonly LineageEvent[]>,
  omitted: ReadonlyMap<number, number>,
): Lineage[] {
  const lineages: Lineage[] = [];
  run.checks.forEach((check, index) => {
    const example = check.counterExample;
    if (!example) return;
    const events = (recorded.get(example.message) ?? []).map((event) => ({
      atMs: microsToMillis(event.at),
      lane: laneOf(event, run),
      event: event.event,
      detail: event.detail,
    }));
    const lanes = [...new Set([example.producer, BROKER_LANE, ...events.map((e) => e.lane)])];
    lineages.push({
      check: index,
      checkName: check.name,
      message: example.message,
      group: example.group,
      lanes,
      events,
      omitted: omitted.get(example.message) ?? 0,
      faults: faultsAround(run, lanes, events, example.likelyCause?.fault),
    });
  });
  return lineages;
}

function laneOf(event: LineageEvent, run: Run): string {
  const names = run.result.names;
  if (event.consumer >= 0) return names.consumers[event.consumer] ?? `consumer ${event.consumer}`;
  if (event.event === "published") return names.producers[event.producer] ?? `producer ${event.producer}`;
  return BROKER_LANE;
}

/** Faults overlapping the timeline, and the likely cause whenever it is. */
function faultsAround(run: Run, lanes: readonly string[], events: Lineage["events"], cause: number | undefined) {
  if (events.length === 0) return [];
  const first = events[0]!.atMs;
  const last = events[events.length - 1]!.atMs;
  return run.result.faults
    .filter((f) => f.fault === cause || (microsToMillis(f.start) <= last && microsToMillis(f.end) >= first))
    .filter((f) => f.kind !== "poison")
    .map((f) => {
      const lane = lanes.includes(f.target) ? f.target : f.target.startsWith("broker") ? BROKER_LANE : null;
      return {
        fault: f.fault,
        kind: f.kind,
        target: f.target,
        lane,
        startMs: microsToMillis(f.start),
        endMs: microsToMillis(f.end),
      };
    });
}
