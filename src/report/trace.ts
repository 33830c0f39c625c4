import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import type { ComponentNames } from "../run/names.js";
import { microsToMillis } from "../units/units.js";

/**
 * Writes the run's events as newline-delimited JSON, one object per event,
 * in simulated-time order: {"tMs":1.5,"event":"deliver","message":9,...}.
 * Lines are buffered and written in blocks; the file appears under its name
 * only when the run is complete (written to a temporary name, then renamed).
 */
export class TraceWriter extends NullObserver {
  private readonly descriptor: number;
  private readonly temporary: string;
  private buffer: string[] = [];
  private buffered = 0;
  private messages: MessageTable | undefined;
  private open = true;

  constructor(
    private readonly path: string,
    private readonly names: ComponentNames,
  ) {
    super();
    this.temporary = `${path}.${process.pid}.tmp`;
    this.descriptor = openSync(this.temporary, "w");
  }

  watch(messages: MessageTable): void {
    this.messages = messages;
  }

  override published(message: number, now: number): void {
    const producer = this.names.producers[this.messages?.producer[this.messages.slot(message)] ?? 0];
    const key = this.messages?.key[this.messages.slot(message)] ?? -1;
    this.line(now, "publish", { message, producer, ...(key >= 0 ? { key } : {}) });
  }
  override accepted(message: number, now: number): void {
    this.line(now, "accept", { message, partition: this.messages?.partition[this.messages.slot(message)] ?? 0 });
  }
  override rejected(message: number, now: number): void {
    this.line(now, "reject", { message });
  }
  override delivered(
    message: number,
    group: number,
    consumer: number,
    attempt: number,
    queueWaitMicros: number,
    now: number,
  ): void {
    this.line(now, attempt > 1 ? "redeliver" : "deliver", {
      message,
      group: this.names.groups[group],
      consumer: this.names.consumers[consumer],
      attempt,
      queueWaitMs: microsToMillis(queueWaitMicros),
    });
  }
  override consumed(message: number, group: number, consumer: number, times: number, now: number): void {
    this.line(now, "consume", {
      message,
      group: this.names.groups[group],
      consumer: this.names.consumers[consumer],
      times,
    });
  }
  override sideEffect(message: number, group: number, consumer: number, times: number, now: number): void {
    this.line(now, "side-effect", {
      message,
      group: this.names.groups[group],
      consumer: this.names.consumers[consumer],
      times,
    });
  }
  override deadLettered(message: number, group: number, reason: string, now: number): void {
    this.line(now, "dead-letter", { message, group: this.names.groups[group], reason });
  }
  override dropped(message: number, group: number, reason: string, now: number): void {
    this.line(now, "drop", { message, group: this.names.groups[group], reason });
  }
  redriven(message: number, group: number, now: number): void {
    this.line(now, "redrive", { message, group: this.names.groups[group] });
  }
  override publishingBlocked(blocked: boolean, now: number): void {
    this.line(now, blocked ? "publishers-blocked" : "publishers-released", {});
  }
  override fault(kind: string, target: string, began: boolean, now: number): void {
    this.line(now, began ? "fault-start" : "fault-end", { kind, target });
  }
  attemptFailed(
    message: number,
    group: number,
    consumer: number,
    attempt: number,
    why: string,
    retryIn: number | null,
    now: number,
  ): void {
    this.line(now, "attempt-failed", {
      message,
      group: this.names.groups[group],
      consumer: this.names.consumers[consumer],
      attempt,
      why,
      ...(retryIn === null ? { gaveUp: true } : { retryInMs: microsToMillis(retryIn) }),
    });
  }

  /** Flushes and publishes the file under its final name; if that fails, the temporary file is removed. */
  close(): void {
    try {
      this.flush();
      this.closeDescriptor();
      renameSync(this.temporary, this.path);
    } catch (error) {
      this.abandon();
      throw error;
    }
  }

  /** Throws the partial trace away (the run failed or was interrupted); safe to call more than once. */
  abandon(): void {
    this.closeDescriptor();
    rmSync(this.temporary, { force: true });
  }

  /** The descriptor is closed once: closing a number twice could close a file opened since under it. */
  private closeDescriptor(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.descriptor);
  }

  private line(now: number, event: string, fields: Record<string, unknown>): void {
    const text = JSON.stringify({ tMs: microsToMillis(now), event, ...fields });
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.descriptor, `${this.buffer.join("\n")}\n`);
    this.buffer = [];
    this.buffered = 0;
  }
}
