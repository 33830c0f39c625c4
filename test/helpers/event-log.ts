import type { RunObserver } from "../../src/model/observer.js";

/** Records the run's events as readable strings, SimPy-test style: "t=1000 consumed m0 g0". */
export class EventLog implements RunObserver {
  readonly lines: string[] = [];

  published(message: number, now: number): void {
    this.lines.push(`t=${now} published m${message}`);
  }
  accepted(message: number, now: number): void {
    this.lines.push(`t=${now} accepted m${message}`);
  }
  rejected(message: number, now: number): void {
    this.lines.push(`t=${now} rejected m${message}`);
  }
  delivered(message: number, group: number, consumer: number, attempt: number, queueWait: number, now: number): void {
    const again = attempt > 1 ? ` attempt ${attempt}` : "";
    this.lines.push(`t=${now} delivered m${message} g${group} c${consumer} waited ${queueWait}${again}`);
  }
  consumed(message: number, group: number, consumer: number, timesConsumed: number, now: number): void {
    this.lines.push(`t=${now} consumed m${message} g${group} c${consumer} x${timesConsumed}`);
  }
  sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void {
    this.lines.push(`t=${now} effect m${message} g${group} c${consumer} x${timesApplied}`);
  }
  deadLettered(message: number, group: number, reason: string, now: number): void {
    this.lines.push(`t=${now} dead-lettered m${message} g${group} ${reason}`);
  }
  redriven(message: number, group: number, now: number): void {
    this.lines.push(`t=${now} redriven m${message} g${group}`);
  }
  dropped(message: number, group: number, reason: string, now: number): void {
    this.lines.push(`t=${now} dropped m${message} g${group} ${reason}`);
  }
  depthChanged(): void {}
  publishingBlocked(blocked: boolean, now: number): void {
    this.lines.push(`t=${now} ${blocked ? "blocked" : "unblocked"}`);
  }

  fault(kind: string, target: string, began: boolean, now: number): void {
    this.lines.push(`t=${now} fault ${kind} ${target} ${began ? "began" : "ended"}`);
  }

  matching(word: string): string[] {
    return this.lines.filter((line) => line.includes(` ${word} `) || line.endsWith(` ${word}`));
  }
}
