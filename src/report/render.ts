import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Resvg, type ResvgRenderOptions, renderAsync } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { renumberIds } from "./html.js";

/**
 * Renders chart specs offline: vega-lite compiles to vega, a headless vega View
 * draws SVG, and resvg rasterises it to PNG. Nothing here touches the network,
 * the clock or the host's canvas library, so the same spec gives the same bytes.
 */

/** PNG width in pixels: readable in a README or a chat message without scaling. */
const PNG_WIDTH = 900;
const DEJAVU = "/usr/share/fonts/truetype/dejavu";
const DEJAVU_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
/**
 * The same two faces cut down to the code points of coverage.json (scripts/subset-fonts.mjs), shipped with the
 * package: dist/fonts/ once built (scripts/build.mjs copies them beside the chunks), src/report/fonts/ from the
 * sources. resvg loads a PNG's font files anew for each PNG, and the full faces (1.4 MB) took about half of a
 * chart's rasterising; the subsets take about a quarter of that and draw the same pixels (test/report/fonts.test.ts).
 */
const BUNDLED = fileURLToPath(new URL("./fonts/", import.meta.url));

/** Compiles a vega-lite spec to vega, throwing if vega-lite warns: a warning means a chart that lies or breaks. */
export function compileChart(spec: TopLevelSpec): vega.Spec {
  const warnings: string[] = [];
  const compiled = compile(spec, { logger: recordingLogger(warnings) }).spec;
  if (warnings.length > 0)
    throw new Error(`vega-lite warned while compiling ${describe(spec)}:\n${warnings.join("\n")}`);
  return compiled;
}

/** The warnings vega-lite gives for a spec, for tests that want them all at once. */
export function vegaLiteWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  compile(spec, { logger: recordingLogger(warnings) });
  return warnings;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const warnings: string[] = [];
  const view = new vega.View(vega.parse(compileChart(spec)), {
    renderer: "none",
    logger: recordingLogger(warnings),
    logLevel: vega.Warn,
  });
  try {
    const svg = await view.toSVG();
    if (warnings.length > 0) throw new Error(`vega warned while rendering ${describe(spec)}:\n${warnings.join("\n")}`);
    return renumberIds(svg);
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string): Uint8Array {
  return new Uint8Array(new Resvg(svg, pngOptions(svg)).render().asPng());
}

/**
 * `svgToPng` on libuv's thread pool: loading the fonts, parsing and rasterising (most of a PNG's cost) run
 * beside the main thread, which meanwhile draws the next chart's SVG. Same options, same bytes.
 */
export async function svgToPngOffThread(svg: string): Promise<Uint8Array> {
  const image = await renderAsync(svg, pngOptions(svg));
  return new Uint8Array(image.asPng());
}

function pngOptions(svg: string): ResvgRenderOptions {
  return { fitTo: { mode: "width", value: PNG_WIDTH }, background: "white", font: fontOptions(svg), logLevel: "off" };
}

/**
 * The fonts a PNG is drawn with. The bundled DejaVu Sans subsets when every character of the SVG is one they
 * keep (chart text rarely leaves Latin, Greek, Cyrillic and common punctuation), so the PNG has the same pixels
 * on every machine; otherwise DejaVu Sans from its usual place when it is there (the same font files give the
 * same pixels on every machine that has them, and two files load faster than every system font), else whatever
 * the system has.
 */
export function fontOptions(svg: string): NonNullable<ResvgRenderOptions["font"]> {
  const family = { defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };
  if (subsetsCover(svg)) {
    return { loadSystemFonts: false, fontFiles: DEJAVU_FILES.map((file) => `${BUNDLED}${file}`), ...family };
  }
  const files = DEJAVU_FILES.map((file) => `${DEJAVU}/${file}`);
  return files.every((file) => existsSync(file))
    ? { loadSystemFonts: false, fontFiles: files, ...family }
    : { loadSystemFonts: true, ...family };
}

/** Whether the subsets keep every character of `svg`; a character reference (`&#...;`) counts as one they may not. */
export function subsetsCover(svg: string): boolean {
  if (svg.includes("&#")) return false;
  const covered = subsetCoverage();
  for (let i = 0; i < svg.length; i++) {
    const code = svg.charCodeAt(i);
    // Markup is ASCII: only text beyond it needs a look at the ranges (a surrogate is never kept).
    if (code > 126 && !covered.some(([from, to]) => code >= from && code <= to)) return false;
  }
  return true;
}

let coverage: readonly (readonly [number, number])[] | undefined;

function subsetCoverage(): readonly (readonly [number, number])[] {
  coverage ??= (JSON.parse(readFileSync(`${BUNDLED}coverage.json`, "utf8")) as { ranges: [number, number][] }).ranges;
  return coverage;
}

function recordingLogger(warnings: string[]): vega.LoggerInterface {
  const record =
    (level: string) =>
    (...args: unknown[]) => {
      warnings.push(`${level}: ${args.map(String).join(" ")}`);
      return logger;
    };
  const logger: vega.LoggerInterface = {
    level: (level?: number) => (level === undefined ? vega.Warn : logger),
    error: record("error"),
    warn: record("warn"),
    info: () => logger,
    debug: () => logger,
  } as vega.LoggerInterface;
  return logger;
}

function describe(spec: TopLevelSpec): string {
  const title = spec.title;
  const text =
    typeof title === "string"
      ? title
      : typeof title === "object" && title !== null && "text" in title
        ? title.text
        : "";
  return text === "" ? "a chart" : `"${String(text)}"`;
}

/**
 * Text widths decide where vega puts legends, titles and labels. Without a
 * canvas it guesses 0.8 em per character, far wider than real text; with the
 * optional `canvas` package it would measure with whatever fonts the host has.
 * Both are replaced by DejaVu Sans's own advance widths (1/1000 em, ASCII 32-126),
 * which are what the PNG is drawn with and close to any browser's sans-serif.
 */
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636,
  636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863,
  748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635,
  615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636,
  337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696,
  696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995,
  837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716,
  678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712,
  365, 712, 838,
];

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

function textWidth(item: TextItem, text: unknown): number {
  const line = text == null ? "" : String(text).trim();
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === "bold" || (typeof item.fontWeight === "number" && item.fontWeight >= 600);
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const char of line) units += table[(char.codePointAt(0) ?? 0) - 32] ?? 640;
  return (units / 1000) * size;
}

(vega as unknown as { textMetrics: { width: typeof textWidth } }).textMetrics.width = textWidth;
