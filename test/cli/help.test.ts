import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES } from "../../src/cli/examples.js";
import { runCli } from "../helpers/cli.js";

const root = join(import.meta.dirname, "..", "..");

function queuesim(args: string[]) {
  return runCli(args, root);
}

const commands = ["init", "run", "validate", "compare", "sweep", "merge", "explore", "worker", "schema"];

describe("help and completion", () => {
  it.each(commands)("queuesim %s --help lists its examples", (command) => {
    const { code, stdout } = queuesim([command, "--help"]);
    expect(code).toBe(0);
    const examples = stdout.slice(stdout.indexOf("\nExamples:\n"));
    expect(examples.length).toBeGreaterThan(20);
    const listed = EXAMPLES[command] ?? [];
    expect(listed.length).toBeGreaterThanOrEqual(command === "merge" || command === "schema" ? 1 : 2);
    // yargs wraps long lines, so compare the words of each example's first few words.
    for (const [line] of listed) {
      const start = line.replace("$0", "queuesim").split(" ").slice(0, 2).join(" ");
      expect(examples).toContain(start);
    }
  });

  it("names only scenario files that exist in the examples", () => {
    const paths = Object.values(EXAMPLES).flatMap((list) =>
      list.flatMap(([line]) => [...line.matchAll(/scenarios\/[a-z0-9-]+\.yaml/g)].map((m) => m[0])),
    );
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(existsSync(join(root, path)), path).toBe(true);
  });

  it("prints a completion script that asks queuesim for candidates, and answers it", () => {
    const script = queuesim(["completion"]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain("queuesim --get-yargs-completions");
    expect(script.stdout).toMatch(/complete .*queuesim/);
    const candidates = queuesim(["--get-yargs-completions", "init", "--p"]);
    expect(candidates.stdout.split("\n")).toEqual(expect.arrayContaining(["--profile", "--pattern"]));
  });
});
