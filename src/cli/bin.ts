#!/usr/bin/env node
/** The `queuesim` command: package.json's `bin` points at this file's build, dist/bin.js. */
import { runGuarded } from "./guarded.js";

const argv = process.argv.slice(2);
// Two command lines skip yargs and the command table, whose loading is most of a short command:
// - `--version` alone prints what yargs would print, package.json's version (the same reader a worker uses);
// - `validate` given only file names needs no option parsing (about a sixth off the command).
// Anything else (an option, --help, no file) goes through yargs.
if (argv.length === 1 && argv[0] === "--version") {
  const { queuesimVersion } = await import("../distributed/version.js");
  process.stdout.write(`${queuesimVersion()}\n`);
} else if (argv[0] === "validate" && argv.length > 1 && argv.slice(1).every((arg) => !arg.startsWith("-"))) {
  const { commandValidate } = await import("./validate.js");
  await runGuarded(() => commandValidate(argv.slice(1)));
} else {
  const { runCli } = await import("./main.js");
  await runCli(argv);
}
