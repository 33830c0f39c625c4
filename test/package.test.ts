// Proves the built package works from plain Node: `import "queuesim"` through package.json's exports, the bin,
// the worker threads, that quick commands load no chart code and that a run loads no BullMQ.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, validateScenario } from "../src/index.js";
import { summaryJson } from "../src/report/write.js";
import { scenarioInput } from "./helpers/scenario.js";

const root = join(import.meta.dirname, "..");
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const tiny = scenarioInput({ name: "package-test", duration: "2s" });

function node(args: string[], cwd = root) {
  const child = spawnSync(process.execPath, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** The files a command loads, recorded by a module hook (Node 20.6+): one URL per line on stderr. */
/** vega and vega-lite live in dist/render-*.js (scripts/build.mjs bundles them there); resvg stays a package. */
const RENDERING_CODE = /node_modules\/(vega|@resvg)|\/dist\/render-[^/]*\.js$/;

function loadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "queuesim-package-"));
  writeFileSync(
    join(dir, "hooks.mjs"),
    'export async function load(url, context, next) { process._rawDebug("LOADED " + url); return next(url, context); }\n',
  );
  writeFileSync(
    join(dir, "register.mjs"),
    'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n',
  );
  const run = node(["--import", join(dir, "register.mjs"), "dist/bin.js", ...args]);
  expect(run.code).toBe(0);
  return run.stderr
    .split("\n")
    .filter((line) => line.startsWith("LOADED "))
    .map((line) => line.slice(7));
}

beforeAll(() => {
  // Build now so the test never judges a stale dist/ (`npm install` builds it too, through `prepare`).
  const build = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}, 120_000);

describe("the built package", () => {
  it("points bin, exports and types at files the build wrote, and publishes them", () => {
    expect(existsSync(join(root, packageJson.bin.queuesim))).toBe(true);
    expect(existsSync(join(root, packageJson.exports["."]))).toBe(true);
    // TypeScript finds a package's types beside the JavaScript the exports name.
    expect(existsSync(join(root, packageJson.exports["."].replace(/\.js$/, ".d.ts")))).toBe(true);
    expect(packageJson.files).toContain("dist");
    expect(Object.keys(packageJson.dependencies)).not.toContain("tsx");
  });

  it("imports as `queuesim` from plain Node and gives the same summary as the sources", () => {
    const script = `import { runScenario, validateScenario } from "queuesim";
const result = validateScenario(${JSON.stringify(tiny)});
if (!result.ok) throw new Error(JSON.stringify(result.issues));
process.stdout.write(JSON.stringify(runScenario(result.scenario).summary, null, 2) + "\\n");`;
    const run = node(["--input-type=module", "-e", script]);
    expect(run.stderr).toBe("");
    const fromSources = validateScenario(tiny);
    if (!fromSources.ok) throw new Error("the tiny scenario must be valid");
    expect(run.stdout).toBe(summaryJson(runScenario(fromSources.scenario).summary));
  });

  it("runs replications on worker threads that load the built JavaScript", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-package-"));
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(tiny));
    const run = node([join(root, "dist/bin.js"), "run", "tiny.json", "--replications", "2", "--workers", "2"], dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, "reports", "package-test", "replications", "confidence.json"))).toBe(true);
  });

  it("prints its version from package.json", () => {
    expect(node(["dist/bin.js", "--version"]).stdout.trim()).toBe(packageJson.version);
  });

  it.each([["--version"], ["--help"], ["schema"], ["validate", "scenarios/work-queue.yaml"]])(
    "`queuesim %s` loads no chart or rendering code",
    (...args) => {
      const loaded = loadedBy(args);
      expect(loaded.length).toBeGreaterThan(1);
      expect(loaded.filter((url) => RENDERING_CODE.test(url))).toEqual([]);
    },
  );

  it("`queuesim run` loads the rendering chunk, where the build bundles vega and vega-lite", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-package-"));
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(tiny));
    const loaded = loadedBy(["run", join(dir, "tiny.json"), "--out", join(dir, "reports")]);
    expect(loaded.filter((url) => /\/dist\/render-[^/]*\.js$/.test(url))).toHaveLength(1);
    expect(loaded.filter((url) => /node_modules\/vega/.test(url))).toEqual([]);
  });

  it("`queuesim run` without --distributed loads no BullMQ or ioredis code", () => {
    // BullMQ's QueueEvents class marks the chunk the build bundles BullMQ (and ioredis) into.
    const holdsBullmq = (file: string) => readFileSync(file, "utf8").includes("QueueEvents");
    const built = readdirSync(join(root, "dist")).filter((name) => name.endsWith(".js"));
    expect(built.filter((name) => holdsBullmq(join(root, "dist", name))).length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), "queuesim-package-"));
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(tiny));
    const loaded = loadedBy(["run", join(dir, "tiny.json"), "--out", join(dir, "reports")]);
    const ours = loaded.filter((url) => url.includes("/dist/")).map((url) => fileURLToPath(url));
    expect(ours.length).toBeGreaterThan(1);
    expect(ours.filter(holdsBullmq)).toEqual([]);
    expect(loaded.filter((url) => /node_modules\/(bullmq|ioredis)/.test(url))).toEqual([]);
  });
});
