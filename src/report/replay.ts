/** The command line that replays a run: the scenario path as the user gave it, the seed and the flags that matter. */
export function replayCommand(command: string, file: string, seed: number, flags: readonly string[] = []): string {
  return ["queuesim", command, quoteForShell(file), ...flags.map(quoteForShell), "--seed", String(seed)].join(" ");
}

/** A word as a POSIX shell reads it back: bare when it is plain, else in single quotes. */
export function quoteForShell(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
