/**
 * A progress bar on stderr for runs longer than about a second, only when
 * stderr is a terminal. It reads the wall clock, which the model never does.
 */
export function progressBar(label: string): { update: (now: number, horizon: number) => void; done: () => void } {
  const stream = process.stderr;
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const startedAt = Date.now();
  let shown = false;
  let lastDraw = 0;
  return {
    update(now, horizon) {
      const wall = Date.now();
      if (wall - startedAt < 1000 || wall - lastDraw < 100) return;
      lastDraw = wall;
      shown = true;
      const fraction = Math.min(1, horizon > 0 ? now / horizon : 1);
      const width = 30;
      const filled = Math.round(fraction * width);
      const phase = now > horizon ? " draining" : "";
      stream.write(
        `\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0)}% ${(now / 1e6).toFixed(1)}s simulated${phase}  `,
      );
    },
    done() {
      if (shown) stream.write("\r\u001b[K");
    },
  };
}
