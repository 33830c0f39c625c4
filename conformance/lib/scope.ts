/**
 * Clean-up that follows the code that made the mess. The runner runs each suite's set-up and
 * each experiment inside a scope; whatever a helper opens there (a process, a connection)
 * registers its closing with `defer`, and the runner closes the scope when the experiment
 * ends, however it ends. AsyncLocalStorage carries the scope through awaits, so an experiment
 * that timed out and still runs in the background keeps filing into its own scope.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export class Scope {
  private readonly closers: (() => Promise<void> | void)[] = [];

  constructor(readonly name: string) {}

  /** Registers a clean-up; they run newest first, like nested try/finally blocks. */
  defer(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }

  /** Runs every clean-up; one failing does not stop the others. Returns their errors. */
  async close(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const closer of this.closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        errors.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return errors;
  }
}

const storage = new AsyncLocalStorage<Scope>();

/** Runs `body` with `scope` as the current scope. */
export function inScope<T>(scope: Scope, body: () => Promise<T>): Promise<T> {
  return storage.run(scope, body);
}

/**
 * Registers a clean-up in the current scope. Outside any scope (a test, a script) nothing is
 * registered: the caller closes what it opened, as it would without the runner.
 */
export function defer(closer: () => Promise<void> | void): void {
  storage.getStore()?.defer(closer);
}
