// Proves when RabbitMQ closes a silent connection: rabbit_heartbeat's receive check (every interval, the second silent check in a row closes) against amqplib's heartbeat ticks (every half interval, skipped after a send).
import { describe, expect, it } from "vitest";
import { HeartbeatDetection } from "../../../src/brokers/rabbitmq/heartbeat-detection.js";

const second = 1_000_000;

function detection(interval: number) {
  const found = new HeartbeatDetection(1, interval);
  found.opened(0, 0);
  return found;
}

describe("rabbitmq heartbeat detection", () => {
  it("closes a connection silent since its opening at the third check: 8.9 s after a freeze at 0.1 s with 3 s heartbeats", () => {
    // The check at 3 s sees the opening frames, those at 6 s and 9 s see nothing.
    expect(detection(3 * second).closesAt(0, 0.1 * second)).toBe(9 * second);
  });

  it("counts from the client's last heartbeat tick when it sent nothing in the half interval before it", () => {
    const silent = detection(3 * second);
    silent.heard(0, 1 * second);
    // Ticks at 1.5 s (skipped: the ack at 1 s), 3 s, 4.5 s (sent); last frame 4.5 s, first check after it 6 s.
    expect(silent.closesAt(0, 5 * second)).toBe(12 * second);
  });

  it("skips the tick that follows a send: a frame at 2.9 s and a freeze at 3.05 s close at 9 s, not 12 s", () => {
    const silent = detection(3 * second);
    silent.heard(0, 2.9 * second);
    expect(silent.closesAt(0, 3.05 * second)).toBe(9 * second);
  });

  it("is 2 to 3 intervals after the last frame, whatever the phase", () => {
    for (const frameAt of [0.2, 1.4, 2.6, 3.0, 4.9]) {
      const silent = detection(2 * second);
      silent.heard(0, frameAt * second);
      const closesAt = silent.closesAt(0, frameAt * second)!;
      expect(closesAt - frameAt * second).toBeGreaterThan(2 * 2 * second);
      expect(closesAt - frameAt * second).toBeLessThanOrEqual(3 * 2 * second);
    }
  });

  it("runs its checks from the connection's opening", () => {
    const reopened = detection(3 * second);
    reopened.opened(0, 10 * second);
    expect(reopened.closesAt(0, 10.5 * second)).toBe(19 * second);
  });

  it("never closes with heartbeats off", () => {
    expect(detection(0).closesAt(0, second)).toBeNull();
  });
});
