/**
 * reports/conformance/index.html: one self-contained page in the style of a run's report
 * (its CSS, no scripts, nothing fetched). Every piece of text is escaped.
 */
import { stringify } from "yaml";
import { htmlPage, text } from "../../../src/report/html.js";
import { describeRule, tallyLine } from "../compare.js";
import type { ExperimentVerdict } from "../experiment.js";
import type { ExperimentResult, SuiteReport } from "../runner.js";
import { brokerTitle, formatNumber } from "./rows.js";

const EXTRA_STYLE = `
.verdict.known { background: #9a6700; }
.verdict.error { background: #6e7781; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; font-size: 13px; overflow-x: auto; }
details { margin: 8px 0 0; }
th.num { text-align: right; }
`;

export function conformanceHtml(reports: readonly SuiteReport[], ranAt: Date): string {
  const ran = reports.filter((r) => r.results.length > 0);
  const verdicts = ran.flatMap((r) => r.results.map((x) => x.verdict));
  const passed = verdicts.every((v) => v.verdict === "agree" || v.verdict === "known");
  return htmlPage(
    "queuesim conformance",
    `<header>
<h1>Conformance ${badge(passed ? "agree" : "disagree", passed ? "PASSED" : "FAILED")}</h1>
<p class="meta">${text(tallyLine(verdicts))} · run ${text(ranAt.toISOString())} · ${text(ran.map(brokerTitle).join(", "))}</p>
</header>
<main>
${ran.map(brokerSection).join("\n")}
</main>`,
    EXTRA_STYLE,
  );
}

function brokerSection(report: SuiteReport): string {
  return `<section><h2>${text(brokerTitle(report))}</h2>
<p class="meta">${text(tallyLine(report.results.map((r) => r.verdict)))}</p>
${report.results.map(experimentBlock).join("\n")}
</section>`;
}

function experimentBlock({ experiment, verdict }: ExperimentResult): string {
  const known = verdict.knownReason ? `<p class="note">Known disagreement: ${text(verdict.knownReason)}</p>` : "";
  const error = verdict.error ? `<pre>${text(verdict.error)}</pre>` : "";
  return `<h3>${text(verdict.id)} ${badge(verdict.verdict, verdict.verdict.toUpperCase())}</h3>
<p><b>${text(verdict.title)}</b></p>
<p class="meta">behaviour: ${text(verdict.behaviour)} · real side ${(verdict.realMs / 1000).toFixed(1)} s</p>
<p>${text(verdict.description)}</p>
${figuresTable(verdict)}${known}${error}
<details><summary>scenario</summary><pre>${text(stringify(experiment.scenario()))}</pre></details>`;
}

function figuresTable(verdict: ExperimentVerdict): string {
  if (verdict.figures.length === 0) return "";
  const rows = verdict.figures.map((f) => {
    const mark = f.agrees ? '<td class="pass">agree</td>' : '<td class="fail">differ</td>';
    const why = f.rule.kind === "exact" ? "" : f.rule.why;
    return `<tr>${mark}<td>${text(f.figure)}</td><td class="num">${formatNumber(f.real)}</td><td class="num">${formatNumber(f.simulated)}</td><td>${text(describeRule(f.rule))}</td><td>${text(why)}</td></tr>`;
  });
  return `<table class="checks"><thead><tr><th></th><th>figure</th><th class="num">real</th><th class="num">simulated</th><th>rule</th><th>why</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>\n`;
}

function badge(kind: ExperimentVerdict["verdict"], label: string): string {
  const style = kind === "agree" ? "pass" : kind === "disagree" ? "fail" : kind;
  return `<span class="verdict ${style}">${text(label)}</span>`;
}
