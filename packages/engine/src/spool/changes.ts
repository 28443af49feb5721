// Two small pieces the spool's reading and writing share: a signal that wakes whoever waits for
// something to change, and a queue that runs file operations one at a time.

/** Wakes every waiter at the next `notify`; a waiter that comes later waits for the one after. */
export class Changes {
  private waiters: Array<() => void> = [];

  next(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}

/** Runs operations one after the other in the order given, whatever became of the previous one. */
export class Serial {
  private last: Promise<unknown> = Promise.resolve();

  run<A>(op: () => Promise<A>): Promise<A> {
    const result = this.last.then(op, op);
    this.last = result.catch(() => undefined);
    return result;
  }
}
