/**
 * The one guard for work that a zero-latency call can re-enter (the rule is stated at the Broker interface,
 * src/brokers/broker.ts, "Re-entrancy"). A component marks a section with `enter`/`leave`; a call that comes
 * back into it meanwhile sees `held` and, instead of starting the work a second time, asks for it with
 * `defer`; `leave` tells the outer call whether anything was asked for, so it does it once, in order.
 * Booleans and no closures: it sits on the hot path of every ack and publish.
 */
export class ReentryGuard {
  private inside = false;
  private asked = false;

  /** True while the section runs: a call arriving now came from inside it. */
  get held(): boolean {
    return this.inside;
  }

  /** Starts the section; false when it is already running (the caller then leaves the work to it). */
  enter(): boolean {
    if (this.inside) return false;
    this.inside = true;
    this.asked = false;
    return true;
  }

  /** Asks the running section to do the work when it leaves; false (nothing noted) when none is running. */
  defer(): boolean {
    if (!this.inside) return false;
    this.asked = true;
    return true;
  }

  /** Ends the section; true when a re-entrant call deferred work to it. */
  leave(): boolean {
    this.inside = false;
    const asked = this.asked;
    this.asked = false;
    return asked;
  }
}
