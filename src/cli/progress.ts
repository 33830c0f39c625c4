/**
 * Progress bars on stderr for work longer than about a second, only when
 * stderr is a terminal. They read the wall clock, which the model never does.
 */
interface Bar {
  update: (now: number, horizon: number) => void;
  done: () => void;
}

/** A bar over simulated time: `update(now, duration)`, "draining" past the duration. */
export function progressBar(label: string): Bar {
  return bar(label, (now, horizon) => {
    const phase = now > horizon ? " draining" : "";
    return `${(now / 1e6).toFixed(1)}s simulated${phase}`;
  });
}

/** A bar over finished jobs (replications, sweep points): `update(done, total)`, with an ETA. */
export function countBar(label: string): Bar {
  const startedAt = Date.now();
  return bar(label, (done, total) => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    return `${done}/${total} done${Number.isFinite(eta) ? `, about ${Math.ceil(eta)}s left` : ""}`;
  });
}

function bar(label: string, describe: (value: number, total: number) => string): Bar {
  const stream = process.stderr;
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const startedAt = Date.now();
  let shown = false;
  let lastDraw = 0;
  return {
    update(value, total) {
      const wall = Date.now();
      if (wall - startedAt < 1000 || wall - lastDraw < 100) return;
      lastDraw = wall;
      shown = true;
      const fraction = Math.min(1, total > 0 ? value / total : 1);
      const width = 30;
      const filled = Math.round(fraction * width);
      const percent = `${(fraction * 100).toFixed(0)}%`;
      stream.write(
        `\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${percent} ${describe(value, total)}  `,
      );
    },
    done() {
      if (shown) stream.write("\r\u001b[K");
    },
  };
}
