/**
 * Follows a regrade until it is no longer running: the server-sent events of
 * `GET /api/regrades/:id/events` (each `regrade` event is the whole Regrade, so a reconnect misses
 * nothing), polling `GET /api/regrades/:id` every second when events are unavailable or drop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Regrade } from '../platform/regrade-model.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError, isRetryable, ServerUnreachable } from './client-errors.ts';
import { readSseEvents } from './sse.ts';

export async function waitForRegrade(client: ApiClient, id: string, options: { signal?: AbortSignal; onUpdate?: (regrade: Regrade) => void } = {}): Promise<Regrade> {
  const seen = (regrade: Regrade): Regrade => {
    options.onUpdate?.(regrade);
    return regrade;
  };
  const signal = options.signal;
  try {
    const response = await client.regradeEvents(id, signal);
    if (response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream') && response.body !== null) {
      for await (const event of readSseEvents(response.body)) {
        if (event.event !== 'regrade') continue;
        const regrade = seen(JSON.parse(event.data) as Regrade);
        if (regrade.state !== 'running') return regrade;
      }
    } else {
      await response.body?.cancel().catch(() => undefined);
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof ApiError && !error.retryable) throw error;
    if (!(error instanceof ServerUnreachable) && !(error instanceof TypeError) && !(error instanceof ApiError) && !(error instanceof SyntaxError)) throw error;
  }
  for (;;) {
    try {
      const regrade = seen(await client.regrade(id, signal));
      if (regrade.state !== 'running') return regrade;
    } catch (error) {
      if (signal?.aborted || !isRetryable(error)) throw error;
    }
    await sleep(1000, undefined, signal ? { signal } : {});
  }
}
