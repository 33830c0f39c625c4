// Proves the bundled DejaVu Sans subsets draw the same pixels as the full fonts for the text they keep, and that
// text they do not keep is drawn with the full fonts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type { TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import { fontOptions, renderSvg, subsetsCover, svgToPng } from "../../src/report/render.js";
import { reportFiles } from "../../src/report/report.js";
import { shippedRun } from "./fixtures.js";

const BUNDLED = join(import.meta.dirname, "..", "..", "src", "report", "fonts");
const SYSTEM = "/usr/share/fonts/truetype/dejavu";
const FACES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
const hasSystemDejaVu = FACES.every((face) => existsSync(join(SYSTEM, face)));

/** A PNG of `svg` drawn with exactly the two faces in `directory`, as render.ts draws it otherwise. */
function pngWith(directory: string, svg: string): Uint8Array {
  const font = {
    loadSystemFonts: false,
    fontFiles: FACES.map((face) => join(directory, face)),
    defaultFontFamily: "DejaVu Sans",
    sansSerifFamily: "DejaVu Sans",
  };
  const options = {
    fitTo: { mode: "width" as const, value: 900 },
    background: "white",
    font,
    logLevel: "off" as const,
  };
  return new Uint8Array(new Resvg(svg, options).render().asPng());
}

/** Byte equality of two PNGs, without a diff of a hundred thousand bytes when they differ. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** The `head` table's fontRevision (a 16.16 fixed-point number), rounded to the two decimals DejaVu gives it. */
function fontRevision(file: string): number {
  const font = readFileSync(file);
  const tables = font.readUInt16BE(4);
  for (let i = 0; i < tables; i++) {
    const record = 12 + 16 * i;
    if (font.toString("latin1", record, record + 4) === "head") {
      return Math.round((font.readInt32BE(font.readUInt32BE(record + 8) + 4) / 65536) * 100) / 100;
    }
  }
  throw new Error(`${file} has no head table`);
}

/** A bar chart whose title, axis titles and labels carry `text` in both weights. */
function chartOf(text: string): TopLevelSpec {
  return {
    title: { text, fontWeight: "bold" },
    data: { values: text.split(" ").map((word, i) => ({ word, count: i + 1 })) },
    mark: "bar",
    encoding: {
      x: { field: "word", type: "nominal", title: text, sort: null },
      y: { field: "count", type: "quantitative", title: "count" },
    },
  };
}

describe("subsetsCover", () => {
  it("keeps ASCII, Latin-1, Greek, Cyrillic and the punctuation and arrows charts use", () => {
    expect(subsetsCover("<text>workers/1 p99 ≤ 250 µs — café → Δt − 3 «Заказы» α…ω</text>")).toBe(true);
  });

  it("does not keep scripts outside the subsets, emoji or character references", () => {
    expect(subsetsCover("<text>注文</text>")).toBe(false);
    expect(subsetsCover("<text>orders 📦</text>")).toBe(false);
    expect(subsetsCover("<text>&#x6CE8;</text>")).toBe(false);
  });
});

describe("fontOptions", () => {
  it("draws covered text with the bundled subsets, files that exist", () => {
    const font = fontOptions("<text>throughput → consumed</text>");
    expect(font.loadSystemFonts).toBe(false);
    expect(font.fontFiles).toEqual(FACES.map((face) => expect.stringContaining(join("report", "fonts", face))));
    for (const file of font.fontFiles!) expect(existsSync(file)).toBe(true);
  });

  it("draws other text with the full fonts: the system's DejaVu Sans, else every system font", () => {
    const font = fontOptions("<text>注文</text>");
    if (hasSystemDejaVu) expect(font.fontFiles).toEqual(FACES.map((face) => `${SYSTEM}/${face}`));
    else expect(font.loadSystemFonts).toBe(true);
  });
});

describe.runIf(hasSystemDejaVu)("the bundled subsets against the full DejaVu Sans 2.37", () => {
  it("were cut from the system's fonts' version", () => {
    for (const face of FACES) {
      expect(fontRevision(join(BUNDLED, face))).toBe(2.37);
      expect(fontRevision(join(SYSTEM, face))).toBe(2.37);
    }
  });

  it("draw every chart of a shipped report to the same pixels", async () => {
    const files = await reportFiles(shippedRun("payments-outage-redrive"));
    const svgs = Object.keys(files).filter((name) => name.endsWith(".svg"));
    expect(svgs.length).toBeGreaterThan(5);
    for (const name of svgs) {
      const svg = files[name] as string;
      expect(subsetsCover(svg)).toBe(true);
      expect(same(pngWith(BUNDLED, svg), pngWith(SYSTEM, svg)), name).toBe(true);
      expect(same(files[name.replace(/\.svg$/, ".png")] as Uint8Array, pngWith(BUNDLED, svg)), name).toBe(true);
    }
  }, 30_000);

  it("draw text from every range they keep to the same pixels, regular and bold", async () => {
    const text = "WAVE Type AVAT Zürich façade ÆØÅ ŁŚŻ Ωμέγα Заказы ёЁ “quoted” – — … ‰ ← → ↔ − ∞ ≈ ≠ ≤ ≥ ∕";
    const svg = await renderSvg(chartOf(text));
    expect(subsetsCover(svg)).toBe(true);
    const bundled = pngWith(BUNDLED, svg);
    expect(same(bundled, pngWith(SYSTEM, svg))).toBe(true);
    // Not a blank: the text changes the pixels.
    expect(same(bundled, pngWith(BUNDLED, await renderSvg(chartOf("a b c d e f g h i j k l m n o"))))).toBe(false);
    expect(same(svgToPng(svg), bundled)).toBe(true);
  });
});
