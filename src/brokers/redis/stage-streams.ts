import type { BrokerContext } from "../broker.js";

/**
 * Which stream each group reads, with pipeline stages: the producers' messages are XADDed to the main
 * stream (key 0), read by every group no stage feeds; each group a stage publishes to has a stream of its
 * own (keys 1, 2, ... in group order), which only it reads, as an application gives each stage its own
 * stream key and consumer group. Without stages there is one stream, read by every group.
 */
export interface StageStreams {
  /** Per stream (memory key): the groups that read it, ascending. */
  readers: number[][];
  /** Per group: the stream it reads. */
  ofGroup: Int32Array;
  /** The stream a message is XADDed to. */
  of(message: number): number;
}

export function stageStreams(context: Pick<BrokerContext, "groupCount" | "routing">): StageStreams {
  const fed = context.routing.stageFedGroups ?? [];
  const ofGroup = new Int32Array(context.groupCount);
  fed.forEach((group, index) => {
    ofGroup[group] = index + 1;
  });
  const readers: number[][] = [[], ...fed.map((group) => [group])];
  for (let group = 0; group < context.groupCount; group++) if (ofGroup[group] === 0) readers[0]!.push(group);
  const targetOf = context.routing.stageTargetOf;
  return {
    readers,
    ofGroup,
    of: (message) => {
      if (fed.length === 0 || targetOf === undefined) return 0;
      const target = targetOf(message);
      return target < 0 ? 0 : ofGroup[target]!;
    },
  };
}
