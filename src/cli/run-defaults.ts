/**
 * `queuesim run`'s option defaults, in one place for the two parsers: yargs (commands.ts) and the quick path
 * for plain command lines (bin.ts), which must give a run exactly what yargs would.
 */
export const runDefaults = { out: "reports", metric: "latency.endToEnd.mean", maxReplications: 100 } as const;
