import type { CounterExample } from "../checks/checks.js";
import type { Lineage } from "./lineage.js";
import { lineageName } from "./lineage-chart.js";
import type { Run } from "./run.js";
import { type FaultSummary, type LatencySummary, orderingChecked, type Summary } from "./summary.js";

/** A chart drawn for the page: its file name stem, title and SVG markup. */
export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
}

/**
 * index.html: one self-contained page (inline CSS and SVG, no scripts, no
 * fonts or images to fetch) that opens from a file:// URL. A Content-Security-
 * Policy forbids every fetch, so a mistake shows up as a blocked request rather
 * than a silent call to the network. Every piece of run text is escaped.
 */
export interface PageOptions {
  replay?: string;
  /** Each counter-example message's timeline and its drawn chart, shown under its check. */
  lineage?: readonly { lineage: Lineage; chart: RenderedChart }[];
}

export function reportHtml(run: Run, charts: RenderedChart[], options: PageOptions = {}): string {
  const summary = run.summary;
  const description = run.result.scenario.description;
  return htmlPage(
    `${summary.scenario}: queuesim report`,
    `<header>
<h1>${text(summary.scenario)} <span class="verdict ${summary.passed ? "pass" : "fail"}">${summary.passed ? "PASSED" : "FAILED"}</span></h1>
${description === undefined ? "" : `<p class="description">${text(description)}</p>\n`}<p class="meta">profile <b>${text(summary.profile)}</b> · seed <b>${summary.seed}</b> · ${decimal(summary.simulated.seconds)} s simulated · ${integer(summary.simulated.events)} events${summary.simulated.drained ? "" : ' · <span class="warn">drain timeout reached</span>'}</p>
<p class="replay">replay: <code>${text(options.replay ?? `queuesim run <scenario file> --seed ${summary.seed}`)}</code></p>
</header>
<main>
${checksSection(summary, options.lineage ?? [])}
${figuresSection(summary)}
${patternsSection(summary)}
${flowsSection(summary)}
${faultsSection(summary.faults)}
${chartsSection(charts)}
${filesSection(charts)}
</main>`,
  );
}

/**
 * A whole offline page: no script, nothing loaded from elsewhere (the content security policy forbids
 * it), the report's style plus `extraStyle`. `body` is trusted HTML; `title` is text.
 */
export function htmlPage(title: string, body: string, extraStyle = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${text(title)}</title>
<style>${STYLE}${extraStyle}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function checksSection(summary: Summary, lineage: NonNullable<PageOptions["lineage"]>): string {
  if (summary.checks.length === 0) {
    return `<section id="checks"><h2>Verdict</h2><p class="none">The scenario states no expectations.</p></section>`;
  }
  const rows = summary.checks.map((check, index) => {
    const mark = check.passed ? '<td class="pass">PASS</td>' : '<td class="fail">FAIL</td>';
    const row = `<tr>${mark}<td>${text(check.name)}</td><td>${text(check.observed)}</td><td>${text(check.expected)}</td></tr>`;
    const timeline = lineage.find((l) => l.lineage.check === index);
    return check.counterExample ? `${row}\n${counterExampleRow(check.counterExample, timeline)}` : row;
  });
  return `<section id="checks"><h2>Verdict</h2>
<table class="checks"><thead><tr><th>result</th><th>check</th><th>observed</th><th>expected</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function counterExampleRow(
  example: CounterExample,
  timeline: NonNullable<PageOptions["lineage"]>[number] | undefined,
): string {
  const key = example.key === null ? "" : `, key ${example.key}`;
  const events = example.events.map(
    (e) =>
      `<tr><td class="num">${millis(e.atMs)} ms</td><td>${text(e.what)}</td><td>${e.consumer === undefined ? "" : text(e.consumer)}</td></tr>`,
  );
  const cause = example.likelyCause;
  const causeLine = cause
    ? `<p>likely cause: fault ${cause.fault}, ${text(cause.kind)} of ${text(cause.target)} at ${millis(cause.startMs)} ms</p>`
    : "";
  return `<tr class="example"><td></td><td colspan="3">
<p>counter-example: message ${example.message} from ${text(example.producer)}${text(key)}, group ${text(example.group)}</p>
<table class="events"><thead><tr><th>at</th><th>event</th><th>consumer</th></tr></thead><tbody>
${events.join("\n")}
</tbody></table>${causeLine}${timeline ? lineageFigure(timeline.lineage, timeline.chart) : ""}</td></tr>`;
}

/** The message's swimlane chart, with its events as a table for reading exact times. */
function lineageFigure(lineage: Lineage, chart: RenderedChart): string {
  const name = lineageName(lineage.check);
  const rows = lineage.events.map(
    (e) =>
      `<tr><td class="num">${millis(e.atMs)} ms</td><td>${text(e.lane)}</td><td>${text(e.event)}</td><td>${text(e.detail)}</td></tr>`,
  );
  const faults = lineage.faults.map(
    (f) =>
      `<tr><td class="num">${millis(f.startMs)} ms</td><td>${text(f.target)}</td><td>${text(f.kind)} (fault ${f.fault})</td><td>until ${millis(f.endMs)} ms</td></tr>`,
  );
  return `<figure class="lineage" id="${attribute(name)}">
${renumberIds(chart.svg.replace(/^<\?xml[^>]*>\s*/, ""), `${name}-`)}
<figcaption>Lineage of message ${lineage.message} across components, from the run itself: ${chartLinks(name)} · ${link("lineage.json", "lineage.json")}</figcaption>
<details><summary>${lineage.events.length} events${lineage.omitted > 0 ? ` (${lineage.omitted} more not kept)` : ""}, ${lineage.faults.length} fault${lineage.faults.length === 1 ? "" : "s"} around them</summary>
<table class="events"><thead><tr><th>at</th><th>component</th><th>event</th><th>detail</th></tr></thead><tbody>
${[...rows, ...faults].join("\n")}
</tbody></table></details>
</figure>`;
}

function figuresSection(summary: Summary): string {
  const m = summary.messages;
  const messages: [string, number][] = [
    ["published", m.published],
    ["confirmed", m.confirmed],
    ["rejected", m.rejected],
    ["consumed", m.consumed],
    ["deliveries", m.deliveries],
    ["redeliveries", m.redeliveries],
    ["lost", m.lost],
    ["duplicated", m.duplicated],
    ["unexpected", m.unexpected],
    ["dead-lettered", m.deadLettered],
    ["dropped", m.dropped],
    ["pending", m.pending],
    ["side effects repeated", m.sideEffectsRepeated],
  ];
  if (orderingChecked(summary)) messages.push(["out of order", m.outOfOrder]);
  const b = summary.backpressure;
  return `<section id="figures"><h2>Key figures</h2>
<div class="figures">
${keyValues(
  "Messages",
  messages.map(([name, value]) => [name, integer(value)]),
  messages.filter(([name, value]) => value > 0 && TROUBLE.has(name)).map(([name]) => name),
)}
<div class="column">
${latencyTable(summary.latency.endToEnd, summary.latency.queueWait)}
<div class="row">
${keyValues("Throughput", [
  ["published", `${decimal(summary.throughput.published)} /s`],
  ["consumed", `${decimal(summary.throughput.consumed)} /s`],
])}
${keyValues("Backpressure", [
  ["max depth", integer(b.maxDepth)],
  ["publishers blocked", `${millis(b.blockedMs)} ms`],
  ["rejected", integer(b.rejected)],
])}
</div>
</div>
</div></section>`;
}

/** Dependencies, retries, breakers and rate limits (docs/patterns.md): only in runs that declare them. */
function patternsSection(summary: Summary): string {
  const tables = [
    ...Object.entries(summary.dependencies ?? {}).map(([name, d]) =>
      keyValues(`Dependency ${name}`, [
        ["calls", integer(d.calls)],
        ["per message", String(d.amplification)],
        ["errors", integer(d.errors)],
        ["timeouts", integer(d.timeouts)],
        ["applied after timeout", integer(d.appliedAfterTimeout)],
        ["refused", integer(d.refused)],
        ["peak concurrency", integer(d.peakConcurrency)],
      ]),
    ),
    ...Object.entries(summary.retries ?? {}).map(([group, r]) =>
      keyValues(`Retries ${group}`, [
        ["retries", integer(r.retries)],
        ["attempts per delivery", String(r.attemptsPerDelivery)],
        ["gave up", integer(r.gaveUp)],
        ["dead-lettered", integer(r.deadLettered)],
        ["parked", integer(r.parked)],
        ["dropped", integer(r.dropped)],
        ["nacked", integer(r.nacked)],
        ...(r.redriven === undefined
          ? []
          : ([
              ["redriven from the DLQ", integer(r.redriven)],
              ["redriven, then consumed", integer(r.redrivenConsumed ?? 0)],
              ["redriven, dead-lettered again", integer(r.redrivenDeadLettered ?? 0)],
            ] as [string, string][])),
      ]),
    ),
    ...Object.entries(summary.breakers ?? {}).map(([name, b]) =>
      keyValues(`Breaker ${name}`, [
        ["opened", integer(b.opened)],
        ["time open", `${millis(b.openMs)} ms`],
        ["calls refused", integer(b.callsRefused)],
      ]),
    ),
    ...Object.entries(summary.limiters ?? {}).map(([group, l]) =>
      keyValues(`Rate limit ${group}`, [
        ["permits", integer(l.acquired)],
        ["waited", integer(l.delayed)],
        ["mean wait", `${millis(l.meanDelayMs)} ms`],
        ["longest wait", `${millis(l.maxDelayMs)} ms`],
        ...(l.maxWaiting === undefined ? [] : [["most held waiting", integer(l.maxWaiting)] as [string, string]]),
      ]),
    ),
    ...Object.entries(summary.outbox ?? {}).map(([producer, o]) =>
      keyValues(`Writes ${producer} (${o.mode})`, [
        ["committed", integer(o.committed)],
        ["published", integer(o.published)],
        ["never published", integer(o.unpublished)],
        ["relay duplicates", integer(o.relayDuplicates)],
        ["most unpublished", integer(o.backlogPeak)],
        ["lag p99", `${millis(o.lagMs.p99)} ms`],
      ]),
    ),
    ...Object.entries(summary.requests ?? {}).map(([producer, r]) =>
      keyValues(`Requests ${producer} → ${r.to}`, [
        ["sent", integer(r.sent)],
        ["replied in time", integer(r.repliedInTime)],
        ["timed out", integer(r.timedOut)],
        ["failed after retries", integer(r.failedAfterRetries)],
        ["late replies", integer(r.lateReplies)],
        ["duplicate executions", integer(r.duplicateExecutions)],
        ["latency p99", `${millis(r.latencyMs.p99)} ms`],
      ]),
    ),
  ];
  if (tables.length === 0) return "";
  return `<section id="patterns"><h2>Dependencies, retries, breakers and rate limits</h2>
<div class="figures">
${tables.join("\n")}
</div></section>`;
}

/** Pipeline stages, the flows end to end and, with `brokers:`, each broker: only in runs that have stages. */
function flowsSection(summary: Summary): string {
  if (summary.stages === undefined || summary.endToEnd === undefined) return "";
  const flagged = (rows: [string, string][]) => rows.filter(([name, value]) => TROUBLE.has(name) && value !== "0");
  const table = (title: string, rows: [string, string][]) =>
    keyValues(
      title,
      rows,
      flagged(rows).map(([name]) => name),
    );
  const e2e = summary.endToEnd;
  const tables = [
    ...Object.entries(summary.stages).map(([group, s]) =>
      table(`Stage ${group}`, [
        ["received", integer(s.received)],
        ["consumed", integer(s.consumed)],
        ["published onward", integer(s.publishedOnward)],
        ["lost", integer(s.lost)],
        ["duplicated", integer(s.duplicated)],
        ["pending", integer(s.pending)],
        ["p99 from the root", `${millis(s.latency.p99)} ms`],
        ...(s.hopLimited === undefined ? [] : [["stopped at maxHops", integer(s.hopLimited)] as [string, string]]),
      ]),
    ),
    table("End to end", [
      ["flows", integer(e2e.roots)],
      ["complete", integer(e2e.completed)],
      ["incomplete", integer(e2e.roots - e2e.completed)],
      ["p99", `${millis(e2e.latency.p99)} ms`],
    ]),
    ...Object.entries(summary.brokers ?? {}).map(([name, b]) =>
      table(`Broker ${name} (${b.profile})`, [
        ["accepted", integer(b.accepted)],
        ["rejected", integer(b.rejected)],
        ["deliveries", integer(b.deliveries)],
        ["redeliveries", integer(b.redeliveries)],
        ["max depth", integer(b.maxDepth)],
        ["lost", integer(b.lost)],
        ["duplicated", integer(b.duplicated)],
        ["pending", integer(b.pending)],
      ]),
    ),
  ];
  return `<section id="flows"><h2>Stages${summary.brokers === undefined ? "" : " and brokers"}</h2>
<div class="figures">
${tables.join("\n")}
</div></section>`;
}

/** Counts that mean something went wrong, shown in red when not zero. */
const TROUBLE = new Set(["lost", "duplicated", "unexpected", "pending", "side effects repeated", "incomplete"]);

function keyValues(title: string, rows: [string, string][], flagged: string[] = []): string {
  const body = rows.map(([name, value]) => {
    const cell = flagged.includes(name) ? "num bad" : "num";
    return `<tr><th>${text(name)}</th><td class="${cell}">${text(value)}</td></tr>`;
  });
  return `<table class="figure"><caption>${text(title)}</caption><tbody>\n${body.join("\n")}\n</tbody></table>`;
}

function latencyTable(endToEnd: LatencySummary, queueWait: LatencySummary): string {
  const columns = ["count", "mean", "p50", "p95", "p99", "max"] as const;
  const row = (name: string, stats: LatencySummary) =>
    `<tr><th>${name}</th>${columns.map((c) => `<td class="num">${c === "count" ? integer(stats[c]) : millis(stats[c])}</td>`).join("")}</tr>`;
  return `<table class="figure latency"><caption>Latency (ms)</caption>
<thead><tr><th></th>${columns.map((c) => `<th>${c}</th>`).join("")}</tr></thead><tbody>
${row("end-to-end", endToEnd)}
${row("queue wait", queueWait)}
</tbody></table>`;
}

function faultsSection(faults: FaultSummary[]): string {
  if (faults.length === 0)
    return `<section id="faults"><h2>Faults</h2><p class="none">No faults were injected.</p></section>`;
  const rows = faults.map((f) => {
    const effects = Object.entries(f.effects)
      .map(([name, value]) => `${name} ${value}`)
      .join(", ");
    return `<tr><td class="num">${f.fault}</td><td>${text(f.kind)}</td><td>${text(f.target)}</td><td class="num">${seconds(f.startMs)}</td><td class="num">${seconds(f.endMs)}</td><td>${text(effects)}</td></tr>`;
  });
  return `<section id="faults"><h2>Faults</h2>
<table class="faults"><thead><tr><th>fault</th><th>kind</th><th>target</th><th>start (s)</th><th>end (s)</th><th>effects</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function chartsSection(charts: RenderedChart[]): string {
  const figures = charts.map(
    (chart) => `<figure id="chart-${attribute(chart.name)}">
${renumberIds(chart.svg.replace(/^<\?xml[^>]*>\s*/, ""), `${chart.name}-`)}
<figcaption>${text(chart.title)}: ${chartLinks(chart.name)}</figcaption>
</figure>`,
  );
  return `<section id="charts"><h2>Charts</h2>\n${figures.join("\n")}\n</section>`;
}

function chartLinks(name: string): string {
  return ["vl.json", "svg", "png"].map((ext) => link(`charts/${name}.${ext}`, ext)).join(" · ");
}

function filesSection(charts: RenderedChart[]): string {
  const data = ["summary.json", "timeseries.csv", "latency-percentiles.csv"].map(
    (file) => `<li>${link(file, file)}</li>`,
  );
  const chartFiles = charts.map((chart) => `<li>${text(chart.title)}: ${chartLinks(chart.name)}</li>`);
  return `<section id="files"><h2>Files</h2>
<ul>
${[...data, ...chartFiles].join("\n")}
</ul>
<p class="note">The .vl.json files are vega-lite specs with their data inlined: open them in any vega tool.</p>
</section>`;
}

function link(href: string, label: string): string {
  return `<a href="${attribute(href.split("/").map(encodeURIComponent).join("/"))}">${text(label)}</a>`;
}

/**
 * Vega numbers clip paths and gradients from a process-wide counter, so the
 * same chart drawn second would get other ids. Renumbering them in order of
 * appearance makes the ids depend on the chart alone; `prefix` also keeps them
 * apart when several SVGs share one HTML page.
 */
export function renumberIds(svg: string, prefix = ""): string {
  const ids = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    const id = match[1]!;
    if (!ids.has(id)) ids.set(id, `${prefix}${id.replace(/\d+$/, "")}${ids.size + 1}`);
  }
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => {
    const renamed = ids.get(id);
    return renamed === undefined ? whole : `${lead}${renamed}`;
  });
}

/** Text content: &, < and > escaped. */
export function text(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** An attribute value in double quotes: quotes escaped too. */
function attribute(value: string): string {
  return text(value).replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const millisFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

function integer(value: number): string {
  return integerFormat.format(value);
}
function decimal(value: number): string {
  return decimalFormat.format(value);
}
function millis(value: number): string {
  return millisFormat.format(value);
}
function seconds(valueMs: number): string {
  return (valueMs / 1000).toFixed(3);
}

export const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d8dee4; --pass: #1a7f37; --fail: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #f6f8fa; }
header, main { max-width: 980px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 6px; display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.description { margin: 0 0 6px; font-size: 16px; }
.meta, .replay, .note, .none { color: var(--muted); margin: 4px 0; }
code { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 13px; background: #eaeef2; padding: 1px 5px; border-radius: 4px; }
.verdict { font-size: 13px; font-weight: bold; letter-spacing: 0.06em; padding: 3px 10px; border-radius: 999px; color: #fff; }
.verdict.pass { background: var(--pass); }
.verdict.fail { background: var(--fail); }
.warn { color: #9a6700; font-weight: bold; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 14px; }
th, td { padding: 5px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2; }
thead th { background: #f0f3f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass, td.fail { font-weight: bold; width: 4.5em; }
td.pass { color: var(--pass); }
td.bad { color: var(--fail); font-weight: bold; }
td.fail { color: var(--fail); }
table.checks, table.faults { width: 100%; }
tr.example td { background: #fff8f8; border-bottom: 1px solid var(--line); }
tr.example p { margin: 2px 0 6px; }
table.events { font-size: 13px; margin: 4px 0 6px; }
figure.lineage { margin: 8px 0 4px; }
figure.lineage summary { cursor: pointer; font-size: 13px; color: var(--muted); margin-top: 4px; }
.figures, .row { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.column { display: flex; flex-direction: column; gap: 20px; }
table.figure caption { text-align: left; font-weight: 600; padding: 0 0 4px; }
table.figure tbody th { font-weight: normal; color: var(--muted); }
figure { margin: 0 0 22px; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { margin-top: 6px; font-size: 13px; color: var(--muted); }
a { color: #0969da; }
ul { padding-left: 20px; }
main { padding-bottom: 48px; }
`;
