// Proves that a request to an unknown responder group exits 2 with file:line:column, a did-you-mean, no stack, and writes nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

const scenario = `name: rr
duration: 1s
broker: {profile: rabbitmq}
producers:
  - name: checkout
    rate: 10/s
    request: {to: pricng, timeout: 2s, retries: 2}
consumers:
  - group: pricing
    processing: 1ms
`;

describe("queuesim run with a request to an unknown group", () => {
  it("exits 2 naming request.to and its place, suggests the group, writes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-requests-"));
    writeFileSync(join(dir, "s.yaml"), scenario);
    const child = spawnSync(process.execPath, ["--import", tsx, bin, "run", "s.yaml"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain("s.yaml:7:");
    expect(child.stderr).toContain("producers[0].request.to");
    expect(child.stderr).toContain('did you mean "pricing"?');
    expect(child.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(child.stdout).toBe("");
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });
});
