import type { CounterExample } from "../checks/checks.js";
import { orderingChecked, type Summary } from "../report/summary.js";
import { styler } from "./style.js";

/**
 * Number formats, made on first use: making an Intl.NumberFormat loads locale data (about 10 ms), which a
 * run should not spend before its first event when the summary is printed only at its end.
 */
function lazyNumberFormat(maximumFractionDigits: number): { format(value: number): string } {
  let made: Intl.NumberFormat | undefined;
  return {
    format: (value) => {
      made ??= new Intl.NumberFormat("en-US", { maximumFractionDigits });
      return made.format(value);
    },
  };
}

const integer = lazyNumberFormat(0);
const decimal = lazyNumberFormat(1);

function ms(value: number): string {
  return value >= 1000
    ? `${decimal.format(value / 1000)}s`
    : `${value >= 10 ? decimal.format(value) : value.toFixed(2)}ms`;
}

/** With message priorities, the latency of each level, highest first: the point of a priority queue. */
function priorityLines(byPriority: Summary["latency"]["byPriority"]): string[] {
  if (byPriority === undefined) return [];
  return Object.entries(byPriority)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(
      ([priority, { endToEnd, queueWait }]) =>
        `    priority ${priority.padStart(3)}  end-to-end p50 ${ms(endToEnd.p50)}  p99 ${ms(endToEnd.p99)};  queue wait p99 ${ms(queueWait.p99)}  (${integer.format(endToEnd.count)} messages)`,
    );
}

/** Dependencies, retry policies, breakers and rate limits (docs/patterns.md), one line each, when declared. */
function patternLines(summary: Summary): string[] {
  const lines: string[] = [];
  for (const [name, d] of Object.entries(summary.dependencies ?? {})) {
    const failures = [
      d.errors > 0 ? `${integer.format(d.errors)} errors` : "",
      d.timeouts > 0
        ? `${integer.format(d.timeouts)} timed out (${integer.format(d.appliedAfterTimeout)} applied anyway)`
        : "",
      d.refused > 0 ? `${integer.format(d.refused)} refused` : "",
    ].filter((part) => part !== "");
    lines.push(
      `    ${name}: ${integer.format(d.calls)} calls, ${d.amplification} per message${failures.length > 0 ? `; ${failures.join(", ")}` : ""}; peak ${integer.format(d.peakConcurrency)} at once`,
    );
  }
  for (const [group, r] of Object.entries(summary.retries ?? {})) {
    if (r.retries > 0 || r.gaveUp > 0)
      lines.push(
        `    ${group}: ${integer.format(r.retries)} retries, ${integer.format(r.gaveUp)} gave up (${integer.format(r.deadLettered)} dead-lettered, ${integer.format(r.parked)} parked, ${integer.format(r.dropped)} dropped, ${integer.format(r.nacked)} nacked)`,
      );
    if (r.redriven !== undefined)
      lines.push(
        `    ${group}: ${integer.format(r.redriven)} redriven from the DLQ (${integer.format(r.redrivenConsumed ?? 0)} then consumed, ${integer.format(r.redrivenDeadLettered ?? 0)} dead-lettered again)`,
      );
  }
  for (const [name, b] of Object.entries(summary.breakers ?? {})) {
    lines.push(
      `    breaker ${name}: opened ${integer.format(b.opened)} times, open ${ms(b.openMs)}, ${integer.format(b.callsRefused)} calls refused`,
    );
  }
  for (const [group, l] of Object.entries(summary.limiters ?? {})) {
    lines.push(
      `    rate limit ${group}: ${integer.format(l.delayed)} of ${integer.format(l.acquired)} waited, mean ${ms(l.meanDelayMs)}, max ${ms(l.maxDelayMs)}`,
    );
  }
  return lines.length > 0 ? ["  patterns", ...lines] : [];
}

/** Requesters, one line each; nothing without requests. */
function requestLines(summary: Summary): string[] {
  const lines = Object.entries(summary.requests ?? {}).map(
    ([producer, r]) =>
      `    ${producer} → ${r.to}: ${integer.format(r.sent)} sent, ${integer.format(r.repliedInTime)} replied in time, ${integer.format(r.failedAfterRetries)} failed; ${integer.format(r.timedOut)} timeouts, ${integer.format(r.retried)} resent, ${integer.format(r.duplicateExecutions)} duplicate executions, ${integer.format(r.lateReplies)} late replies; p99 ${ms(r.latencyMs.p99)}`,
  );
  return lines.length > 0 ? ["  requests", ...lines] : [];
}

/** Pipeline stages, one line each, and the flows end to end; nothing without stages. */
function stageLines(summary: Summary): string[] {
  if (summary.stages === undefined || summary.endToEnd === undefined) return [];
  const lines = Object.entries(summary.stages).map(
    ([group, s]) =>
      `    ${group}: ${integer.format(s.received)} received, ${integer.format(s.consumed)} consumed, ${integer.format(s.publishedOnward)} published onward, ${integer.format(s.lost)} lost, ${integer.format(s.duplicated)} duplicated; p99 ${ms(s.latency.p99)} from the root${s.gather ? `; ${integer.format(s.gather.completed)} sets gathered, ${integer.format(s.gather.timedOut)} timed out` : ""}${s.hopLimited === undefined ? "" : `; ${integer.format(s.hopLimited)} stopped at maxHops`}`,
  );
  const e2e = summary.endToEnd;
  lines.push(
    `    end to end: ${integer.format(e2e.completed)} of ${integer.format(e2e.roots)} flows complete, p50 ${ms(e2e.latency.p50)}  p99 ${ms(e2e.latency.p99)}`,
  );
  return ["  stages", ...lines];
}

/** One line per broker when the scenario declares more than one: what it took and what became of it. */
function brokerLines(summary: Summary): string[] {
  if (summary.brokers === undefined) return [];
  const lines = Object.entries(summary.brokers).map(
    ([name, b]) =>
      `    ${name} (${b.profile}): ${integer.format(b.accepted)} accepted, ${integer.format(b.rejected)} rejected, ${integer.format(b.deliveries)} deliveries (${integer.format(b.redeliveries)} redelivered), max depth ${integer.format(b.maxDepth)}; its groups ${integer.format(b.consumed)} consumed, ${integer.format(b.lost)} lost, ${integer.format(b.duplicated)} duplicated, ${integer.format(b.pending)} pending`,
  );
  return ["  brokers", ...lines];
}

/** One line per saga: its outcomes and compensations; nothing without sagas. */
function sagaLines(summary: Summary): string[] {
  if (summary.sagas === undefined) return [];
  const lines = Object.entries(summary.sagas).map(
    ([name, s]) =>
      `    ${name}: ${integer.format(s.started)} started, ${integer.format(s.completed)} completed, ${integer.format(s.compensated)} compensated, ${integer.format(s.stuck)} stuck, ${integer.format(s.inFlight)} in flight; compensations ${integer.format(s.compensations.sent)} sent, ${integer.format(s.compensations.applied)} applied, ${integer.format(s.compensations.lost)} lost, ${integer.format(s.compensatedTwice)} applied twice; p99 ${ms(s.durationMs.p99)}`,
  );
  return ["  sagas", ...lines];
}

/** A short human summary of one run. */
export function formatSummary(summary: Summary, reportPath: string, wallSeconds: number): string {
  const style = styler(process.stdout);
  const m = summary.messages;
  const e2e = summary.latency.endToEnd;
  const wait = summary.latency.queueWait;
  const lines = [
    `${style.bold(summary.scenario)}  profile ${summary.profile}, seed ${summary.seed}`,
    `  simulated   ${decimal.format(summary.simulated.seconds)}s, ${integer.format(summary.simulated.events)} events in ${wallSeconds.toFixed(2)}s${summary.simulated.drained ? "" : style.yellow(" (drain timeout reached)")}`,
    `  messages    ${integer.format(m.published)} published, ${integer.format(m.consumed)} consumed, ${integer.format(m.lost)} lost, ${integer.format(m.duplicated)} duplicated, ${integer.format(m.pending)} pending`,
    `              ${integer.format(m.redeliveries)} redelivered, ${integer.format(m.deadLettered)} dead-lettered, ${integer.format(m.sideEffectsRepeated)} side effects repeated, ${orderingChecked(summary) ? `${integer.format(m.outOfOrder)} out of order` : "order not checked"}${m.notRouted ? `, ${integer.format(m.notRouted)} (message, group) pairs not routed` : ""}`,
    `  latency     end-to-end p50 ${ms(e2e.p50)}  p99 ${ms(e2e.p99)}  max ${ms(e2e.max)};  queue wait p50 ${ms(wait.p50)}  p99 ${ms(wait.p99)}`,
    ...priorityLines(summary.latency.byPriority),
    `  throughput  ${decimal.format(summary.throughput.published)}/s published, ${decimal.format(summary.throughput.consumed)}/s consumed`,
    `  backlog     max depth ${integer.format(summary.backpressure.maxDepth)}, publishers blocked ${ms(summary.backpressure.blockedMs)}, ${integer.format(summary.backpressure.rejected)} rejected`,
    ...patternLines(summary),
    ...stageLines(summary),
    ...brokerLines(summary),
    ...sagaLines(summary),
    ...requestLines(summary),
  ];
  if (summary.checks.length > 0) {
    const width = Math.max(...summary.checks.map((c) => c.name.length));
    lines.push("  checks");
    for (const check of summary.checks) {
      const mark = check.passed ? style.green("PASS") : style.red("FAIL");
      lines.push(
        `    ${mark}  ${check.name.padEnd(width)}  ${check.observed}  ${style.dim(`(expected ${check.expected})`)}`,
      );
      if (check.counterExample) lines.push(...formatCounterExample(check.counterExample));
    }
  }
  if (summary.faults.length > 0) {
    lines.push("  faults");
    for (const f of summary.faults) {
      const effects = Object.entries(f.effects)
        .map(([name, value]) => `${name} ${value}`)
        .join(", ");
      lines.push(`    ${f.kind} ${f.target}  ${f.startMs}ms - ${f.endMs}ms${effects ? `  (${effects})` : ""}`);
    }
  }
  lines.push(
    `  ${summary.passed ? style.green("passed") : style.red("FAILED")}; report in ${reportPath}/ (open index.html)`,
  );
  return lines.join("\n");
}

function formatCounterExample(example: CounterExample): string[] {
  const key = example.key === null ? "" : `, key ${example.key}`;
  const lines = [`          e.g. message ${example.message} from ${example.producer}${key}, group ${example.group}:`];
  for (const event of example.events) {
    const who = event.consumer ? ` (${event.consumer})` : "";
    lines.push(`            ${`${event.atMs}ms`.padStart(12)}  ${event.what}${who}`);
  }
  const cause = example.likelyCause;
  if (cause)
    lines.push(`          likely cause: fault ${cause.fault}, ${cause.kind} of ${cause.target} at ${cause.startMs}ms`);
  return lines;
}
