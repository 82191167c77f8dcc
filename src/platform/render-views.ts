/**
 * Submissions as JSON text, rendered off the server's event loop when their results are big.
 * A stored result can be megabytes (see src/grader/result-limits.ts); parsing it, filtering it for
 * the viewer and writing the answer would otherwise hold up every other request meanwhile. Small
 * ones are rendered at once: a thread hop costs more than it saves.
 */
import type { Selectable } from 'kysely';
import type { SubmissionsTable } from '../db/tables.ts';
import { siblingModule } from '../util/thread-task.ts';
import { ThreadService } from '../util/thread-service.ts';
import { assembleViews, type ViewData, type ViewRequest } from './submission-views.ts';

export interface RenderInput {
  rows: ReadonlyArray<Selectable<SubmissionsTable>>;
  data: ViewData;
  request: ViewRequest;
}

/** Stored results of at least this many bytes together are rendered on the thread. */
export const RENDER_THREAD_FROM_BYTES = 256 * 1024;

const renderer = new ThreadService<RenderInput, string[]>(siblingModule(import.meta.url, 'render-views-thread'), { maxOldGenerationSizeMb: 1024 });

/** Each of `rows` as the JSON of its `Submission` for the viewer, in order. */
export async function renderViews(input: RenderInput): Promise<string[]> {
  if (input.rows.length === 0) return [];
  return storedBytes(input.data) < RENDER_THREAD_FROM_BYTES ? renderHere(input) : renderer.call(input);
}

/** The rendering itself, on whichever thread calls it. */
export function renderHere(input: RenderInput): string[] {
  return assembleViews(input.rows, input.data, input.request).map((view) => JSON.stringify(view));
}

/** Bytes of the stored results in `data` (compressed ones as stored). */
export function storedBytes(data: Pick<ViewData, 'results'>): number {
  let total = 0;
  for (const row of data.results) total += row.result.length + (row.result_gzip?.byteLength ?? 0);
  return total;
}
