// Proves index.html shows every check and counter-example, links to every report file, escapes run text and fetches nothing.
import { beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../../src/index.js";
import { reportHtml } from "../../src/report/html.js";
import { reportFiles } from "../../src/report/report.js";
import { shippedRun, stressRun } from "./fixtures.js";

let run: Run;
let files: Record<string, string | Uint8Array>;
let html: string;

beforeAll(async () => {
  run = shippedRun("dedup-store-window");
  files = await reportFiles(run);
  html = String(files["index.html"]);
});

describe("index.html", () => {
  it("shows the scenario, every check with its verdict, and the counter-example", () => {
    expect(html).toContain("<h1>dedup-store-window");
    expect(html).toContain("A crash between the side effect and recording the id repeats the side effect.");
    expect(html).toContain("profile <b>fifo</b> · seed <b>7</b>");
    expect(run.summary.checks.length).toBeGreaterThan(1);
    for (const check of run.summary.checks) {
      const mark = check.passed ? "PASS" : "FAIL";
      expect(html).toContain(`>${mark}</td><td>${check.name}</td><td>${check.observed}</td><td>${check.expected}</td>`);
    }
    const examples = run.summary.checks.flatMap((check) => (check.counterExample ? [check.counterExample] : []));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(html).toContain(
        `counter-example: message ${example.message} from ${example.producer}, key ${example.key}, group ${example.group}`,
      );
      for (const event of example.events)
        expect(html).toContain(`<td>${event.what}</td><td>${event.consumer ?? ""}</td>`);
      const cause = example.likelyCause;
      if (cause) expect(html).toContain(`likely cause: fault ${cause.fault}, ${cause.kind} of ${cause.target}`);
    }
  });

  it("lists the faults and draws every chart inline", () => {
    expect(run.summary.faults.length).toBeGreaterThan(0);
    for (const fault of run.summary.faults) {
      const start = (fault.startMs / 1000).toFixed(3);
      expect(html).toContain(`<td>${fault.kind}</td><td>${fault.target}</td><td class="num">${start}</td>`);
    }
    const charts = Object.keys(files).filter((name) => name.endsWith(".svg"));
    expect(charts.length).toBe(6);
    expect(html.match(/<svg[\s>]/g)?.length).toBe(charts.length);
  });

  it("links to every other file of the report", () => {
    const others = Object.keys(files).filter((name) => name !== "index.html");
    expect(others.length).toBe(3 + 6 * 3);
    for (const name of others) expect(html).toContain(`href="${name}"`);
  });

  it("needs nothing from the network: no scripts, no remote URLs, ids unique across charts", () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    expect(html).not.toMatch(/(src|href)="[a-z]+:/i);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).toContain("default-src 'none'");
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("escapes every piece of run text", async () => {
    const stress = stressRun();
    const hostile = {
      ...stress,
      summary: {
        ...stress.summary,
        checks: [{ name: "<script>alert(1)</script>", expected: "a & b", observed: '"x" < y', passed: false }],
      },
    };
    const page = reportHtml(hostile, []);
    expect(page).not.toContain("<script");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("<td>a &amp; b</td>");
    expect(page).toContain(`<td>"x" &lt; y</td>`);
    expect(page).toContain(`Crashes &lt;b&gt;&amp;&lt;/b&gt; "poison" 'quotes'`);
    expect(page).toContain("<h1>stress");
  });
});

describe("index.html with stages and a second broker", () => {
  it("has a table per stage, the flows end to end and one per broker, with trouble flagged", () => {
    const pipeline = shippedRun("kafka-to-sqs-pipeline");
    const page = reportHtml(pipeline, []);
    const { stages, endToEnd, brokers } = pipeline.summary;
    expect(page).toContain('<section id="flows"><h2>Stages and brokers</h2>');
    for (const [group, stage] of Object.entries(stages!)) {
      expect(page).toContain(`<caption>Stage ${group}</caption>`);
      const duplicated = stage.duplicated === 0 ? "num" : "num bad";
      expect(page).toContain(
        `<th>duplicated</th><td class="${duplicated}">${stage.duplicated.toLocaleString("en-US")}</td>`,
      );
    }
    expect(page).toContain(`<th>flows</th><td class="num">${endToEnd!.roots.toLocaleString("en-US")}</td>`);
    for (const [name, broker] of Object.entries(brokers!))
      expect(page).toContain(`<caption>Broker ${name} (${broker.profile})</caption>`);
    expect(reportHtml(shippedRun("video-pipeline"), [])).toContain("<h2>Stages</h2>");
    expect(reportHtml(shippedRun("dedup-store-window"), [])).not.toContain('id="flows"');
  });
});
