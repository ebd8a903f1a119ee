/**
 * The cue that events were committed to the outbox. The unit of work rings it after a transaction
 * that wrote events commits; the relay, started later by the job runner, listens to it. Built first
 * by the composition root, it lets each side be constructed without the other (no late-bound
 * `relay?.poke()`), and a bell rung before anyone listens is simply not heard: the relay sweeps for
 * pending events when it starts.
 */
export interface OutboxBell {
  /** Events were committed. */
  ring(): void;
  /** Calls `listener` at every ring from now on; returns the function that stops it. */
  listen(listener: () => void): () => void;
}

export function createOutboxBell(): OutboxBell {
  const listeners = new Set<() => void>();
  return {
    ring() {
      for (const listener of listeners) listener();
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
