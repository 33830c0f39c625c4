/**
 * Output paths checked before any simulation starts, so a run of minutes does not end in a crash at the
 * write: `--out` must be (or become) a directory we can create files in, `--trace` a file in one. The
 * checks create nothing that stays: a probe folder is made and removed at once.
 */
import { mkdtempSync, rmdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./usage.js";

/** The part of a file system error a user can act on: "no such file or directory" rather than a stack. */
export function fileSystemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or directory",
    ENOTDIR: "not a directory (a file stands where a folder should)",
    EISDIR: "it is a directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    EEXIST: "it already exists",
    ENAMETOOLONG: "the name is too long",
  };
  return (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
}

function kindOf(path: string): "directory" | "file" | "missing" {
  try {
    return statSync(path).isDirectory() ? "directory" : "file";
  } catch {
    return "missing";
  }
}

/** Refuses a directory in which files cannot be created: makes and removes a probe folder there. */
function refuseUnwritable(flag: string, given: string, directory: string): void {
  let probe: string | undefined;
  try {
    probe = mkdtempSync(join(directory, ".queuesim-probe-"));
  } catch (error) {
    throw new UsageError(`--${flag} ${given}: cannot create files in ${directory}: ${fileSystemReason(error)}`);
  } finally {
    if (probe) rmdirSync(probe);
  }
}

/** The nearest existing folder on the way to `path`, which must be a directory for `path` to be made. */
function nearestExisting(flag: string, given: string, path: string): string {
  let current = path;
  for (;;) {
    const kind = kindOf(current);
    if (kind === "directory") return current;
    if (kind === "file") {
      const what = current === path ? "is a file" : `needs ${current} to be a directory, but it is a file`;
      throw new UsageError(`--${flag} ${given}: ${what}; give a directory`);
    }
    const parent = dirname(current);
    if (parent === current) throw new UsageError(`--${flag} ${given}: no such directory`);
    current = parent;
  }
}

/** --out: an existing directory, or one that can be created, in which files can be written. */
export function checkOutputDirectory(given: string): void {
  const path = resolve(given);
  refuseUnwritable("out", given, nearestExisting("out", given, path));
}

/** --trace: a file (new or to be replaced) in an existing, writable directory. */
export function checkTraceFile(given: string): void {
  const path = resolve(given);
  const kind = kindOf(path);
  if (kind === "directory")
    throw new UsageError(`--trace ${given}: is a directory; give a file name, e.g. trace.ndjson`);
  const parent = dirname(path);
  if (kindOf(parent) !== "directory") {
    throw new UsageError(`--trace ${given}: the directory ${parent} does not exist`);
  }
  refuseUnwritable("trace", given, parent);
}
