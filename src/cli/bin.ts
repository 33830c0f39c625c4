#!/usr/bin/env node
/** The `queuesim` command: package.json's `bin` points at this file's build, dist/bin.js. */
// Nothing is imported up front: each command line loads only what it runs (`--version` a few hundred bytes).
const argv = process.argv.slice(2);
const plain = argv[0] === "run" ? plainRun(argv.slice(1)) : undefined;
// Three command lines skip yargs and the command table, whose loading is most of a short command:
// - `--version` alone prints what yargs would print, package.json's version (the same reader a worker uses);
// - `validate` given only file names needs no option parsing (about a sixth off the command), and loads one
//   bundle made for it (validate-main.ts);
// - `run` given file names and at most `--out <directory>` neither (plainRun, below).
// Anything else (an option, --help, no file) goes through yargs.
if (argv.length === 1 && argv[0] === "--version") {
  const { queuesimVersion } = await import("../distributed/version.js");
  process.stdout.write(`${queuesimVersion()}\n`);
} else if (argv[0] === "validate" && argv.length > 1 && argv.slice(1).every((arg) => !arg.startsWith("-"))) {
  const { validateMain } = await import("./validate-main.js");
  await validateMain(argv.slice(1));
} else if (plain) {
  const { runMain } = await import("./run-main.js");
  await runMain(plain.scenarios, plain.out);
} else {
  const { runCli } = await import("./main.js");
  await runCli(argv);
}

/**
 * `run` given file names and at most one `--out <directory>`, the way most runs are typed: parsed here, without
 * yargs (loading it is some 40 ms of a run's CPU). Anything else (another option, `--out=x`, a value that starts
 * with a dash, no file) returns undefined and goes through yargs, which says what is wrong.
 */
function plainRun(args: readonly string[]): { scenarios: string[]; out: string | undefined } | undefined {
  const scenarios: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--out" && out === undefined) {
      const value = args[++i];
      if (value === undefined || value.startsWith("-") || value.trim() === "") return undefined;
      out = value;
    } else if (arg.startsWith("-")) return undefined;
    else scenarios.push(arg);
  }
  return scenarios.length > 0 ? { scenarios, out } : undefined;
}
