import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's chromium; tests never download a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium with a throwaway profile, offline-minded, for the report tests. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: this test needs Debian's chromium (apt-get install -y chromium); it never downloads a browser`,
    );
  }
  const workspace = mkdtempSync(join(tmpdir(), "queuesim-chromium-"));
  const context = await chromium.launchPersistentContext(join(workspace, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
