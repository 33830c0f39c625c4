// Proves --junit XML parses in a real XML parser (Chromium's DOMParser) and has the structure of the common JUnit schema, with the counter-example in the failure; escaping survives hostile text.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/checks/checks.js";
import { junitXml } from "../../src/report/junit.js";
import type { Summary } from "../../src/report/summary.js";
import { launchChromium } from "../helpers/chromium.js";
import { shippedRun } from "./fixtures.js";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

/** An element as the parser saw it: name, attributes, child elements and text. */
interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

/** Parses with the browser's strict XML parser; a parse error is an exception. */
async function parseXml(page: Page, xml: string): Promise<Element> {
  return page.evaluate((source) => {
    // The page's own DOM types: this function runs in the browser, and the project compiles without the DOM lib.
    interface DomNode {
      tagName: string;
      attributes: Iterable<{ name: string; value: string }>;
      children: Iterable<DomNode> & { length: number };
      textContent: string | null;
    }
    interface DomDocument {
      querySelector(selector: string): DomNode | null;
      documentElement: DomNode;
    }
    const { DOMParser } = globalThis as unknown as {
      DOMParser: new () => { parseFromString(text: string, type: string): DomDocument };
    };
    const document = new DOMParser().parseFromString(source, "application/xml");
    const error = document.querySelector("parsererror");
    if (error) throw new Error(`not well-formed XML: ${error.textContent}`);
    const walk = (node: DomNode): Element => ({
      name: node.tagName,
      attributes: Object.fromEntries([...node.attributes].map((a) => [a.name, a.value])),
      children: [...node.children].map(walk),
      text: node.children.length === 0 ? (node.textContent ?? "") : "",
    });
    return walk(document.documentElement);
  }, xml);
}

const count = (value: string | undefined) => {
  expect(value, "a count attribute").toMatch(/^\d+$/);
  return Number(value);
};

/**
 * The rules of the JUnit schema CI systems read (Jenkins' junit-10.xsd, which GitLab and the GitHub
 * reporters follow): element nesting, required attributes, counts that agree with the test cases.
 */
function expectJunitStructure(root: Element): void {
  expect(root.name).toBe("testsuites");
  let tests = 0;
  let failures = 0;
  for (const suite of root.children) {
    expect(suite.name).toBe("testsuite");
    expect(suite.attributes.name).toMatch(/\S/);
    const cases = suite.children.filter((c) => c.name === "testcase");
    const failed = cases.filter((c) => c.children.some((f) => f.name === "failure"));
    expect(count(suite.attributes.tests)).toBe(cases.length);
    expect(count(suite.attributes.failures)).toBe(failed.length);
    expect(count(suite.attributes.errors)).toBe(0);
    expect(count(suite.attributes.skipped)).toBe(0);
    const order = suite.children.map((c) => c.name).filter((n) => n !== "testcase");
    expect(order.every((n) => ["properties", "system-out", "system-err"].includes(n))).toBe(true);
    for (const property of suite.children.find((c) => c.name === "properties")?.children ?? []) {
      expect(property.name).toBe("property");
      expect(Object.keys(property.attributes).sort()).toEqual(["name", "value"]);
    }
    for (const testcase of cases) {
      expect(testcase.attributes.name).toMatch(/\S/);
      // queuesim's own rule on top of the schema's: every case of a suite is classed under it.
      expect(testcase.attributes.classname).toBe(`queuesim.${suite.attributes.name}`);
      for (const child of testcase.children) {
        expect(["failure", "error", "skipped", "system-out", "system-err"]).toContain(child.name);
        if (child.name === "failure") {
          expect(child.attributes.message).toMatch(/\S/);
          expect(child.attributes.type).toBe("expectation");
        }
      }
    }
    tests += cases.length;
    failures += failed.length;
  }
  expect(count(root.attributes.tests)).toBe(tests);
  expect(count(root.attributes.failures)).toBe(failures);
}

describe("JUnit XML", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("from a failing scenario on the command line: valid JUnit, the counter-example in the failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-junit-"));
    const file = join(dir, "junit.xml");
    const scenario = join(root, "scenarios", "dedup-store-window.yaml");
    const child = spawnSync(
      process.execPath,
      ["--import", tsx, bin, "run", scenario, "--junit", file, "--out", join(dir, "reports")],
      { encoding: "utf8" },
    );
    expect(child.status).toBe(1);
    const parsed = await parseXml(page, readFileSync(file, "utf8"));
    expectJunitStructure(parsed);
    const suite = parsed.children[0]!;
    expect(suite.attributes.name).toBe("dedup-store-window");
    const failing = suite.children.find((c) => c.attributes.name === "sideEffects: exactly-once")!;
    const failure = failing.children.find((c) => c.name === "failure")!;
    expect(failure.attributes.message).toBe("2 applied twice (expected 0 applied twice)");
    expect(failure.text).toContain("counter-example: message 1599 from checkout#1, key 345, group payments");
    expect(failure.text).toContain("likely cause: fault 0, consumer-crash of payments/1");
    expect(failure.text).toContain(`replay: queuesim run ${scenario} --seed 7`);
    const passing = suite.children.find((c) => c.attributes.name === "delivery: at-least-once")!;
    expect(passing.children).toEqual([]);
  });

  it("refuses --junit with --replications (exit 2), writing nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-junit-"));
    const file = join(dir, "junit.xml");
    const scenario = join(root, "scenarios", "md1-textbook.yaml");
    const args = ["run", scenario, "--replications", "2", "--junit", file, "--out", join(dir, "reports")];
    const child = spawnSync(process.execPath, ["--import", tsx, bin, ...args], { encoding: "utf8" });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain("--junit reports single runs");
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });

  it("one suite per run, and the same bytes for the same runs", async () => {
    const runs = [shippedRun("work-queue"), shippedRun("kafka-replication-acks1")];
    const suites = runs.map((run) => ({ name: run.summary.scenario, summary: run.summary, replay: "r" }));
    const xml = junitXml(suites);
    expect(junitXml(suites)).toBe(xml);
    const parsed = await parseXml(page, xml);
    expectJunitStructure(parsed);
    expect(parsed.children.map((s) => s.attributes.name)).toEqual(["work-queue", "kafka-replication-acks1"]);
    expect(parsed.attributes.failures).toBe("1");
  });

  it("carries any text through escaping: names, messages and counter-examples read back as written", async () => {
    const base = shippedRun("work-queue").summary;
    // Characters XML 1.0 cannot hold at all come back as U+FFFD; everything else exactly.
    const xmlSafe = (s: string) =>
      [...s]
        .map((c) => {
          const code = c.codePointAt(0)!;
          const forbidden =
            (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) ||
            (code >= 0xd800 && code <= 0xdfff) ||
            code === 0xfffe ||
            code === 0xffff;
          return forbidden ? "\ufffd" : c;
        })
        .join("");
    const samples = fc.sample(fc.tuple(fc.string({ unit: "binary" }), fc.string({ unit: "binary" })), {
      numRuns: 60,
      seed: 17,
    });
    samples.push(['<b>&"quotes"\'s</b>', "]]> \r\n\ttab &amp;"]);
    for (const [name, observed] of samples) {
      const check: CheckResult = { name: `x${name}`, expected: "e", observed, passed: false };
      const summary: Summary = { ...base, checks: [check], passed: false };
      const parsed = await parseXml(page, junitXml([{ name: `s${name}`, summary, replay: observed }]));
      expectJunitStructure(parsed);
      const testcase = parsed.children[0]!.children[1]!;
      expect(parsed.children[0]!.attributes.name).toBe(xmlSafe(`s${name}`));
      expect(testcase.attributes.name).toBe(xmlSafe(`x${name}`));
      expect(testcase.children[0]!.attributes.message).toBe(xmlSafe(`${observed} (expected e)`));
    }
  });
});
