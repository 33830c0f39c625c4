// `npm run build` (and `prepare`, so `npm install` runs it): src/ → dist/.
//
// JavaScript: one esbuild bundle with code splitting, because Node 20 loads a few large files much faster than
// a few hundred small ones (start-up is most of a `validate`). Dynamic imports stay separate chunks, so a
// command still loads only what it needs. vega and vega-lite are bundled too, into the chunk that only report
// rendering loads (src/report/render.ts, imported lazily): as some forty separate packages they took about
// 0.15 s of CPU to load per run, as one chunk about 0.05 s. resvg stays outside: it is native. Types: tsc emits the .d.ts files beside the JavaScript in dist/, where TypeScript finds index.d.ts next to index.js without a "types" condition.
import { cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
const shared = {
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@resvg/resvg-js"],
  // Names stay readable in stack traces of internal errors; whitespace and syntax minifying speed parsing.
  minifyWhitespace: true,
  minifySyntax: true,
  // Bundled CommonJS dependencies call require(); ESM output has none unless given one.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
  logLevel: "warning",
};
await build({
  ...shared,
  // Flat output: each worker thread's file sits next to the chunk that starts it (src/parallel/pool.ts,
  // src/report/chart-renderer.ts).
  entryPoints: {
    index: "src/index.ts",
    bin: "src/cli/bin.ts",
    worker: "src/parallel/worker.ts",
    // The chart-drawing thread `queuesim run` starts beside its simulation (src/report/chart-renderer.ts).
    "chart-thread": "src/report/chart-thread.ts",
  },
  splitting: true,
  // bin.js imports the quick `validate` as the bundle below, not as a chunk of this build.
  external: [...shared.external, "./validate-main.js"],
});
// `queuesim validate <files>` (bin.ts's quick path) as one file with all it needs, yaml and zod included, rather
// than the some eighteen chunks of the split build that reach it: loading and linking each module is work of its
// own, about 8 ms of the command's CPU. Nothing else loads in that process, so its copies of shared modules
// (the error classes runGuarded tells apart, for one) meet no other copy.
await build({ ...shared, entryPoints: { "validate-main": "src/cli/validate-main.ts" } });
// The font subsets the PNG rasteriser loads (src/report/render.ts finds them in fonts/ beside its chunk), with
// their license and coverage.
cpSync("src/report/fonts", "dist/fonts", { recursive: true });
