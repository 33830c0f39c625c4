// Proves the layering rule covers the whole tree: every folder of src/ has its restricted-imports override in biome.json, so `npm run lint` rejects an upward import from any of them.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

interface Override {
  includes: string[];
  linter?: { rules?: { style?: { noRestrictedImports?: { options?: { patterns?: { group: string[] }[] } } } } };
}

const overrides: Override[] = JSON.parse(readFileSync(join(root, "biome.json"), "utf8")).overrides ?? [];
const folders = readdirSync(join(root, "src"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function forbiddenFor(folder: string): string[] {
  const override = overrides.find((o) => o.includes.includes(`src/${folder}/**`));
  const patterns = override?.linter?.rules?.style?.noRestrictedImports?.options?.patterns ?? [];
  return patterns.flatMap((pattern) => pattern.group);
}

describe("layers", () => {
  it.each(folders)("src/%s has a restricted-imports rule that forbids importing src/index.ts", (folder) => {
    expect(forbiddenFor(folder)).toContain("../index.js");
  });

  it("orders the folders: each forbids every folder above it, and the lowest forbids all the others", () => {
    const forbidding = folders.map((folder) => ({
      folder,
      above: forbiddenFor(folder).filter((g) => g.startsWith("../") && g.endsWith("/**")),
    }));
    const engine = forbidding.find((f) => f.folder === "engine")!;
    const namesAboveEngine = new Set(engine.above.map((g) => g.replace(/^(\.\.\/)+/, "").replace("/**", "")));
    expect([...namesAboveEngine].sort()).toEqual(folders.filter((f) => f !== "engine"));
    const cli = forbidding.find((f) => f.folder === "cli")!;
    expect(cli.above).toEqual([]);
  });
});
