/**
 * In-process notifications of submission changes (a job changed phase, a result arrived), for the
 * server's server-sent-events route. Listeners should reload the submission through the platform
 * (which applies the caller's view) rather than trust the event's fields. One process only: a
 * worker on another machine is heard by polling.
 */
import type { SubmissionEvent } from './model.ts';

export type SubmissionListener = (event: SubmissionEvent) => void;

export class SubmissionEvents {
  readonly #listeners = new Map<string, Set<SubmissionListener>>();
  readonly #onError: (error: unknown) => void;

  /** `onError` hears listeners' exceptions (default: ignored, so one bad listener cannot stop the others). */
  constructor(options: { onError?: (error: unknown) => void } = {}) {
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Calls `listener` on every event of this submission until the returned function is called. */
  subscribe(submissionId: string, listener: SubmissionListener): () => void {
    let set = this.#listeners.get(submissionId);
    if (!set) this.#listeners.set(submissionId, (set = new Set()));
    // Each subscription is its own entry, so subscribing one function twice needs two unsubscribes.
    const entry: SubmissionListener = (event) => listener(event);
    set.add(entry);
    return () => {
      const current = this.#listeners.get(submissionId);
      if (!current) return;
      current.delete(entry);
      if (current.size === 0) this.#listeners.delete(submissionId);
    };
  }

  /** Tells the submission's listeners, synchronously, in subscription order. */
  emit(event: SubmissionEvent): void {
    const set = this.#listeners.get(event.submissionId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Listeners of one submission, or of all; for tests and status pages. */
  listenerCount(submissionId?: string): number {
    if (submissionId !== undefined) return this.#listeners.get(submissionId)?.size ?? 0;
    let total = 0;
    for (const set of this.#listeners.values()) total += set.size;
    return total;
  }
}
