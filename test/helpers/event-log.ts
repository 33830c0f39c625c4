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
  delivered(message: number, group: number, consumer: number, queueWait: number, now: number): void {
    this.lines.push(`t=${now} delivered m${message} g${group} c${consumer} waited ${queueWait}`);
  }
  consumed(message: number, group: number, timesConsumed: number, now: number): void {
    this.lines.push(`t=${now} consumed m${message} g${group} x${timesConsumed}`);
  }
  depthChanged(): void {}
  publishingBlocked(blocked: boolean, now: number): void {
    this.lines.push(`t=${now} ${blocked ? "blocked" : "unblocked"}`);
  }

  matching(word: string): string[] {
    return this.lines.filter((line) => line.includes(` ${word} `) || line.endsWith(` ${word}`));
  }
}
