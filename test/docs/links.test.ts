// Proves the docs stand alone: every relative link in README.md and docs/ resolves to a file (and heading) in this repository, and no doc points outside it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function markdownFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

const documents = [join(root, "README.md"), join(root, "CONTRIBUTING.md"), ...markdownFiles(join(root, "docs"))];

/** Links written [text](target), outside fenced code blocks. */
function linksOf(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; a repeated one gets -1, -2, ... */
function anchorsOf(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "");
  const headings = [...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => match[1]!);
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const heading of headings) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return anchors;
}

function brokenLinks(document: string): string[] {
  const text = readFileSync(document, "utf8");
  const broken: string[] = [];
  for (const link of linksOf(text)) {
    if (/^[a-z]+:/i.test(link)) {
      broken.push(`${link}: links outside the repository`);
      continue;
    }
    const [path = "", anchor] = link.split("#");
    const target = path === "" ? document : resolve(dirname(document), decodeURIComponent(path));
    if (!target.startsWith(root) || !existsSync(target)) {
      broken.push(`${link}: no such file in the repository`);
    } else if (anchor !== undefined && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(anchor)) {
      broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
    }
  }
  return broken;
}

describe("documentation links", () => {
  it.each(documents.map((document) => [relative(root, document), document]))(
    "%s: every link resolves",
    (_, document) => {
      expect(brokenLinks(document)).toEqual([]);
    },
  );

  it.each(documents.map((document) => [relative(root, document), document]))(
    "%s: names no file outside the repository",
    (_, document) => {
      const text = readFileSync(document, "utf8");
      expect(text.match(/\.\.\/shared\/|\/work\/|\/home\/|\/root\//g) ?? []).toEqual([]);
    },
  );

  it("finds links to check (the checker itself works)", () => {
    expect(linksOf("see [a](b.md#c) and `[x](y)`\n```\n[no](link.md)\n```\n")).toEqual(["b.md#c", "y"]);
    expect(anchorsOf("## How a component fails: mode\n").has("how-a-component-fails-mode")).toBe(true);
  });
});
