import { htmlPage, renumberIds, text } from "../report/html.js";
import type { ComparisonRow } from "./compare.js";
import { PAGE_TITLES, rowCells } from "./report.js";

/**
 * compare/index.html: the comparison table, the overlay charts (inline SVG)
 * and links to each profile's own report. Self-contained and offline, like
 * a run's report.
 */
export function comparisonHtml(
  scenario: string,
  seed: number,
  rows: readonly ComparisonRow[],
  charts: readonly { name: string; title: string; svg: string }[],
  /** Per profile, the anchor of its first failure's lineage in its report (lineage-<check>), if it has one. */
  firstFailures: Readonly<Record<string, string>> = {},
  /** The per-stage section (src/compare/stages.ts), empty when the scenario has no stages. */
  stagesSection = "",
): string {
  const header = [...PAGE_TITLES, "first failure"];
  const body = rows
    .map((r) => {
      const cells = rowCells(r).map(text);
      cells[0] = `<a href="${encodeURIComponent(r.profile)}/index.html">${text(r.profile)}</a>`;
      cells[cells.length - 1] = r.passed ? '<span class="pass">passed</span>' : '<span class="fail">FAILED</span>';
      const anchor = firstFailures[r.profile];
      cells.push(
        anchor === undefined
          ? ""
          : `<a href="${encodeURIComponent(r.profile)}/index.html#${encodeURIComponent(anchor)}">lineage</a>`,
      );
      return `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
    })
    .join("\n");
  const figures = charts
    .map(
      (chart) => `<figure class="chart">
${renumberIds(chart.svg, `${chart.name}-`)}
<figcaption>${text(chart.title)}: <a href="charts/${chart.name}.vl.json">vl.json</a> · <a href="charts/${chart.name}.svg">svg</a> · <a href="charts/${chart.name}.png">png</a></figcaption>
</figure>`,
    )
    .join("\n");
  return htmlPage(
    `${scenario}: queuesim comparison`,
    `<header>
<h1>${text(scenario)}: broker comparison</h1>
<p class="meta">${rows.length} profiles · seed <b>${seed}</b> · same arrivals, keys, processing times and faults for every profile</p>
</header>
<main>
<section>
<h2>Comparison</h2>
<table>
<thead><tr>${header.map((h) => `<th>${h}</th>`).join("")}</tr></thead>
<tbody>
${body}
</tbody>
</table>
<p><a href="compare.csv">compare.csv</a></p>
</section>
${stagesSection}
<section>
<h2>Overlays</h2>
${figures}
</section>
</main>`,
  );
}
