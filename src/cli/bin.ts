#!/usr/bin/env node
/** The `queuesim` command: package.json's `bin` points at this file's build, dist/bin.js. */
import { runGuarded } from "./guarded.js";

const argv = process.argv.slice(2);
// `validate` given only file names needs no option parsing: skipping yargs and the command table takes about a
// sixth off the command, which is mostly start-up. Anything else (an option, --help, no file) goes through yargs.
if (argv[0] === "validate" && argv.length > 1 && argv.slice(1).every((arg) => !arg.startsWith("-"))) {
  const { commandValidate } = await import("./validate.js");
  await runGuarded(() => commandValidate(argv.slice(1)));
} else {
  const { runCli } = await import("./main.js");
  await runCli(argv);
}
