import type { BrokerContext } from "../broker.js";

/** One topic: its name, its first partition in the cluster's partition space, and the groups subscribed to it. */
export interface Topic {
  name: string;
  first: number;
  readers: readonly number[];
}

/**
 * The cluster's topics, laid end to end in one partition space: topic t owns partitions
 * [t × P, (t + 1) × P), P being the broker section's `partitions`. Everything per partition (the log,
 * replicas and leaders, offsets, retention, fetch sessions) is then per topic for free, and faults reach
 * every topic. Each group reads exactly one topic.
 *
 * Without pipeline stages there is one topic, read by every group, and the space is what it always was.
 * With stages, the producers' messages stay on the main topic, read by the groups no stage feeds, and each
 * group a stage publishes to gets a topic of its own, `<group>-in`, that only it reads. A further topic
 * (a retry topic, say) is one more `add`.
 */
export class TopicLayout {
  readonly topics: Topic[] = [];
  /** Per group: the topic it reads. */
  private readonly topicOfGroup: Int32Array;
  /** Per partition: the topic it belongs to. */
  private topicOfPartitionColumn = new Int32Array(0);

  constructor(
    readonly partitionsPerTopic: number,
    private readonly groupCount: number,
  ) {
    this.topicOfGroup = new Int32Array(groupCount);
  }

  /** Adds a topic read by `readers` (taken from the topic they read before); returns its index. */
  add(name: string, readers: readonly number[]): number {
    const topic = this.topics.length;
    this.topics.push({ name, first: topic * this.partitionsPerTopic, readers: [...readers] });
    for (const group of readers) {
      const before = this.topics[this.topicOfGroup[group]!];
      if (topic > 0 && before !== undefined) before.readers = before.readers.filter((g) => g !== group);
      this.topicOfGroup[group] = topic;
    }
    const partitions = new Int32Array(this.partitions);
    partitions.set(this.topicOfPartitionColumn);
    partitions.fill(topic, topic * this.partitionsPerTopic);
    this.topicOfPartitionColumn = partitions;
    return topic;
  }

  /** Partitions over all topics. */
  get partitions(): number {
    return this.topics.length * this.partitionsPerTopic;
  }

  /** The topic `group` reads. */
  topicOf(group: number): Topic {
    return this.topics[this.topicOfGroup[group]!]!;
  }

  /** Whether `group` reads `partition`'s topic. */
  reads(group: number, partition: number): boolean {
    return this.topicOfGroup[group] === this.topicOfPartitionColumn[partition];
  }

  /** The groups that read `partition`. */
  readersOf(partition: number): readonly number[] {
    return this.topics[this.topicOfPartitionColumn[partition]!]!.readers;
  }

  /** Whether every group reads the one topic (no stages): callers keep their plain loops. */
  get single(): boolean {
    return this.topics.length === 1;
  }

  /** Groups in this layout. */
  get groups(): number {
    return this.groupCount;
  }
}

/**
 * The layout a scenario needs: the main topic for every group, then `<group>-in` for each group a pipeline
 * stage publishes to (in group order), when the run has stages.
 */
export function topicLayout(
  context: Pick<BrokerContext, "groupCount" | "names" | "routing">,
  partitions: number,
): TopicLayout {
  const layout = new TopicLayout(partitions, context.groupCount);
  layout.add(
    "main",
    Array.from({ length: context.groupCount }, (_, group) => group),
  );
  for (const group of context.routing.stageFedGroups ?? []) layout.add(`${context.names.groups[group]}-in`, [group]);
  return layout;
}

/** The first partition of the topic a message goes to: its target group's topic for an onward message, else the main topic. */
export function topicBaseOf(layout: TopicLayout, context: Pick<BrokerContext, "routing">, message: number): number {
  if (layout.single) return 0;
  const target = context.routing.stageTargetOf?.(message) ?? -1;
  return target < 0 ? 0 : layout.topicOf(target).first;
}
