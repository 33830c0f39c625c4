// queuesim's own version, read from its package.json: a task carries it, and a worker of another version refuses the task.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/**
 * Walks up from this module to the package.json named queuesim: from the sources that is two folders up,
 * from the built chunk in dist/ one, so the distance is not fixed.
 */
export function queuesimVersion(): string {
  if (cached !== undefined) return cached;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === "queuesim" && typeof manifest.version === "string") {
        cached = manifest.version;
        return cached;
      }
    } catch {
      // No package.json here: keep walking up.
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error("invariant: queuesim's package.json was not found above its code");
    directory = parent;
  }
}
