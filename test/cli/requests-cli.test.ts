import { describe, expect, it } from "vitest";
import { runScenarioText } from "../helpers/cli.js";

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
    const child = runScenarioText(scenario);
    expect(child.code).toBe(2);
    expect(child.stderr).toContain("s.yaml:7:");
    expect(child.stderr).toContain("producers[0].request.to");
    expect(child.stderr).toContain('did you mean "pricing"?');
    expect(child.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(child.stdout).toBe("");
    expect(child.wroteReports).toBe(false);
  });
});
