import type { Simulation } from "../../engine/simulation.js";
import type { Member } from "./member.js";

/** The first max.poll.interval.ms check comes this long after a poll; later ones double the gap. */
const FIRST_CHECK = 100_000;

/**
 * max.poll.interval.ms: a member still busy with a batch that long after the
 * poll that returned it leaves the group (the consumer's heartbeat thread
 * sends LeaveGroup). Checked at doubling gaps rather than by one timer at the
 * deadline, so a batch that ends leaves behind only a cancelled check close
 * by, not a timer minutes ahead that could hold a finished run open.
 */
export class PollWatchdog {
  private readonly onCheck = (serial: number): void => this.check(this.memberOf(serial));

  constructor(
    private readonly sim: Simulation,
    private readonly maxPollInterval: number,
    private readonly memberOf: (serial: number) => Member,
    private readonly kick: (member: Member) => void,
  ) {}

  start(member: Member): void {
    if (member.watchdog !== -1) return;
    member.watchdog = this.sim.schedule(Math.min(FIRST_CHECK, this.maxPollInterval), this.onCheck, member.serial);
  }

  stop(member: Member): void {
    if (member.watchdog === -1) return;
    this.sim.cancel(member.watchdog);
    member.watchdog = -1;
  }

  private check(member: Member): void {
    member.watchdog = -1;
    if (!member.busy || !member.alive || !member.inGroup) return;
    const now = this.sim.now;
    const deadline = member.batchStartedAt + this.maxPollInterval;
    if (now >= deadline) {
      this.kick(member);
      return;
    }
    const next = Math.min(deadline, now + Math.max(now - member.batchStartedAt, 1));
    member.watchdog = this.sim.at(next, this.onCheck, member.serial);
  }
}
