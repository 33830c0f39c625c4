#!/usr/bin/env node
/** The `queuesim` command: package.json's `bin` points at this file's build, dist/bin.js. */
import { runCli } from "./main.js";

await runCli(process.argv.slice(2));
