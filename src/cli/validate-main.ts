/**
 * `queuesim validate` given only file names, as bin.ts's quick path runs it. The build makes this module a
 * bundle of its own, dist/validate-main.js, holding everything the command needs (scripts/build.mjs): one
 * file to load instead of some eighteen shared chunks, whose loading and linking was a tenth of the command.
 */
import { runGuarded } from "./guarded.js";
import { commandValidate } from "./validate.js";

export function validateMain(files: string[]): Promise<void> {
  return runGuarded(() => commandValidate(files));
}
