/**
 * `npm run conformance [--broker rabbitmq|redis|kafka|bullmq ...] [--only <id part>] [--verbose]`
 *
 * Runs every experiment against its real broker and as a queuesim scenario, prints the
 * comparison, writes reports/conformance/ and, after a run of every experiment,
 * docs/conformance.md. Exit code 0 when no experiment disagrees or fails to run, 1 otherwise,
 * 2 on a usage error.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { suitePassed, tallyLine } from "./lib/compare.js";
import type { BrokerName } from "./lib/experiment.js";
import { conformanceCsv } from "./lib/output/csv.js";
import { conformanceHtml } from "./lib/output/html.js";
import { conformanceMarkdown } from "./lib/output/markdown.js";
import { rows } from "./lib/output/rows.js";
import { terminalTable } from "./lib/output/terminal.js";
import { writeAtomically } from "./lib/output/write.js";
import { killEverything } from "./lib/processes.js";
import { runSuite, type SuiteReport } from "./lib/runner.js";
import { suites } from "./suites.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE =
  "usage: npm run conformance -- [--broker rabbitmq|redis|kafka|bullmq ...] [--only <id substring>] [--verbose]";

interface Arguments {
  brokers: BrokerName[];
  only: string | undefined;
  verbose: boolean;
}

function parse(argv: string[]): Arguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: "string", multiple: true },
      only: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const known = suites.map((s) => s.broker);
  const brokers = (values.broker ?? known) as BrokerName[];
  const unknown = brokers.filter((b) => !known.includes(b));
  if (unknown.length > 0) throw new Error(`unknown broker ${unknown.join(", ")}: the suites are ${known.join(", ")}`);
  return { brokers, only: values.only, verbose: values.verbose ?? false };
}

/** Ctrl-C, a CI timeout: kill every server and worker by PID before going. */
function handleSignals(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      const killed = killEverything();
      console.error(`\n${signal}: killed ${killed} process(es) started by the suite`);
      process.exit(code);
    });
  }
  // A client library may throw from an event handler when an experiment kills its broker on
  // purpose; the experiment's own timeout or checks deal with it, the run goes on.
  process.on("uncaughtException", (error) => console.error(`uncaught error (the run goes on): ${error.stack}`));
  process.on("unhandledRejection", (error) => console.error(`unhandled rejection (the run goes on): ${String(error)}`));
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  handleSignals();
  const started = Date.now();
  const reports: SuiteReport[] = [];
  const options = {
    verbose: args.verbose,
    print: (line: string) => console.log(line),
    ...(args.only ? { only: args.only } : {}),
  };
  for (const suite of suites.filter((s) => args.brokers.includes(s.broker)))
    reports.push(await runSuite(suite, options));
  return report(reports, args, Date.now() - started);
}

function report(reports: SuiteReport[], args: Arguments, elapsedMs: number): number {
  const ranAt = new Date();
  const verdicts = reports.flatMap((r) => r.results.map((x) => x.verdict));
  console.log(`\n${terminalTable(rows(reports))}\n`);
  for (const v of verdicts.filter((x) => x.verdict === "agree" && x.knownReason !== undefined)) {
    console.log(`note: ${v.id} lists a known disagreement but agrees now: remove its \`known\``);
  }
  const outDir = join(root, "reports/conformance");
  writeAtomically(join(outDir, "conformance.csv"), conformanceCsv(rows(reports)));
  writeAtomically(join(outDir, "index.html"), conformanceHtml(reports, ranAt));
  const complete = args.only === undefined && suites.every((s) => args.brokers.includes(s.broker));
  if (complete) writeAtomically(join(root, "docs/conformance.md"), conformanceMarkdown(reports, ranAt));
  console.log(`wrote reports/conformance/conformance.csv and index.html`);
  console.log(
    complete
      ? "wrote docs/conformance.md"
      : "docs/conformance.md left as it was: only a full run (no --only, no --broker subset) rewrites it",
  );
  console.log(`${tallyLine(verdicts)} in ${(elapsedMs / 1000).toFixed(1)} s`);
  return suitePassed(verdicts) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    killEverything();
    process.exit(1);
  },
);
