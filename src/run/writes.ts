import { type LatencySnapshot, LatencyStats } from "../metrics/latency.js";
import { type CommittedWrites, DualWrite, OutboxRelay, type WritesFigures, type WritesHost } from "../model/outbox.js";
import { samplerFor } from "../random/distributions.js";
import type { RandomStreams } from "../random/streams.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** One producer's writes (dual write or outbox): its figures, shared by its instances, and its lag distribution. */
export class ProducerWrites {
  readonly lag = new LatencyStats();
  readonly figures: WritesFigures;
  /** With a time series: the interval (µs) and the peak backlog of each interval so far. */
  private series: { interval: number; peaks: number[] } | null = null;

  constructor(
    readonly name: string,
    mode: WritesFigures["mode"],
  ) {
    this.figures = {
      mode,
      ...{ committed: 0, published: 0, unpublished: 0, relayDuplicates: 0, backlog: 0, backlogPeak: 0 },
      lag: this.lag,
    };
  }

  /** Keeps the backlog's peak per interval of `interval` µs, for the chart. */
  recordSeries(interval: number): void {
    const series = { interval, peaks: [0] };
    this.series = series;
    this.figures.backlogChanged = (backlog, now) => {
      const at = Math.floor(now / interval);
      // An interval without a change keeps the backlog the last change left.
      const last = series.peaks[series.peaks.length - 1]!;
      while (series.peaks.length <= at) series.peaks.push(series.peaks.length === at ? backlog : last);
      if (backlog > series.peaks[at]!) series.peaks[at] = backlog;
    };
  }

  result(): WritesResult {
    const { mode, committed, published, unpublished, relayDuplicates, backlogPeak, backlog } = this.figures;
    return {
      ...{ mode, committed, published, unpublished, relayDuplicates, backlogPeak, backlogAtEnd: backlog },
      lag: this.lag.snapshot(),
      ...(this.series === null
        ? {}
        : { backlogSeries: { intervalMicros: this.series.interval, peaks: this.series.peaks } }),
    };
  }
}

/** What summary.json reports of one producer's writes. */
export interface WritesResult {
  mode: "dual-write" | "outbox";
  committed: number;
  published: number;
  unpublished: number;
  relayDuplicates: number;
  backlogPeak: number;
  backlogAtEnd: number;
  lag: LatencySnapshot;
  /** The backlog's peak in each interval of the run's time series; only when one is recorded. */
  backlogSeries?: { intervalMicros: number; peaks: number[] };
}

/** Per producer, in the scenario's order: its writes, or null when it declares none (and publishes as before). */
export function buildWrites(scenario: ParsedScenario): (ProducerWrites | null)[] {
  return scenario.producers.map((spec) =>
    spec.writes === undefined ? null : new ProducerWrites(spec.name, spec.writes.mode),
  );
}

/**
 * The writes of one producer instance, drawing its commit round trips from `producer:<instance>:commit`,
 * or null when the producer declares none.
 */
export function writesFactoryFor(
  scenario: ParsedScenario,
  writes: readonly (ProducerWrites | null)[],
  written: number,
  { instance, streams }: { instance: string; streams: RandomStreams },
): ((host: Omit<WritesHost, "commitLatency">) => CommittedWrites) | null {
  const spec = scenario.producers[written]!.writes;
  const own = writes[written];
  if (spec === undefined || own === null || own === undefined) return null;
  return (host) => {
    const commitLatency = samplerFor(spec.commit, streams.stream(`producer:${instance}:commit`));
    return spec.mode === "dual-write"
      ? new DualWrite({ ...host, commitLatency }, own.figures)
      : new OutboxRelay({ ...host, commitLatency }, spec.relay, own.figures);
  };
}

/** The writes' figures at the end of the run, by producer name; undefined when no producer declares writes. */
export function writesResults(writes: readonly (ProducerWrites | null)[]): Record<string, WritesResult> | undefined {
  const results: Record<string, WritesResult> = {};
  for (const producer of writes) if (producer !== null) results[producer.name] = producer.result();
  return Object.keys(results).length === 0 ? undefined : results;
}
