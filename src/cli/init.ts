import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, relative, resolve, sep } from "node:path";
import { profiles } from "../brokers/profiles.js";
import { quoteForShell } from "../report/replay.js";
import { closestMatch } from "../scenario/issues.js";
import { ExitCode } from "./exit-codes.js";
import { packageSchemaFile } from "./schema-file.js";
import { PATTERNS, type Pattern, scenarioTemplate } from "./templates.js";
import { UsageError } from "./usage.js";

export interface InitOptions {
  /** The scenario's name, or a path whose last part is the name: `demo`, `scenarios/orders.yaml`. */
  name: string;
  profile: string;
  pattern: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `queuesim init`: writes a commented scenario from a template, never over an existing file. */
export function commandInit(options: InitOptions): number {
  const file = options.name.endsWith(".yaml") || options.name.endsWith(".yml") ? options.name : `${options.name}.yaml`;
  const name = basename(file).replace(/\.ya?ml$/, "");
  if (!NAME.test(name)) {
    throw new UsageError(
      `init: the scenario name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; got "${name}"`,
    );
  }
  const profile = profiles.find((p) => p.name === options.profile);
  if (!profile)
    throw unknownChoice(
      "--profile",
      options.profile,
      profiles.map((p) => p.name),
    );
  if (!(PATTERNS as readonly string[]).includes(options.pattern)) {
    throw unknownChoice("--pattern", options.pattern, PATTERNS);
  }
  const pattern = options.pattern as Pattern;
  if (pattern === "ordered" && profile.facts.ordering === "none") {
    throw new UsageError(
      `init: --pattern ordered needs a profile that keeps order, and ${profile.name} promises none` +
        (profile.name === "sqs" ? '; did you mean "sqs-fifo"?' : ""),
    );
  }
  if (existsSync(file)) {
    throw new UsageError(`init: ${file} already exists; queuesim init never overwrites a file: pick another name`);
  }
  const text = scenarioTemplate({
    name,
    profile: profile.name,
    pattern,
    ordering: profile.facts.ordering,
    everyConsumerGetsAll: profile.facts.everyConsumerGetsAll,
    schemaPath: schemaPathFrom(dirname(resolve(file))),
  });
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    // "wx": a file that appeared since the check above is still not overwritten.
    writeFileSync(file, text, { flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`init: cannot write ${file}: ${code ?? String(error)}`);
  }
  console.log(`wrote ${file} (${pattern} on ${profile.name}); next:\n  queuesim run ${quoteForShell(file)}`);
  return ExitCode.ok;
}

function unknownChoice(flag: string, found: string, allowed: readonly string[]): UsageError {
  const suggestion = closestMatch(found, allowed);
  return new UsageError(
    `init: ${flag} expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, found "${found}"` +
      (suggestion ? `\n  did you mean "${suggestion}"?` : ""),
  );
}

/**
 * The package's schema/scenario.schema.json (packageSchemaFile) relative to `directory`. Forward slashes, as
 * YAML language servers expect on every platform.
 */
export function schemaPathFrom(directory: string): string {
  const schema = packageSchemaFile();
  if (schema === undefined) throw new Error("invariant: the package's schema/scenario.schema.json is missing");
  const path = relative(directory, schema).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}
