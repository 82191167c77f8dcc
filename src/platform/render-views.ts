/**
 * Submissions as JSON, rendered off the server's event loop when their results are big.
 * A stored result can be megabytes (see src/grader/result-limits.ts); parsing it, filtering it for
 * the viewer and writing the answer would otherwise hold up every other request meanwhile. Small
 * ones are rendered at once: a thread hop costs more than it saves. The JSON comes back as UTF-8
 * bytes moved from the thread: receiving a 10 MB string from a thread costs the event loop about
 * as much as writing it, receiving its bytes almost nothing, and the bytes are what is sent anyway.
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

/** Results of at least this much JSON together are rendered on the thread. */
export const RENDER_THREAD_FROM_BYTES = 256 * 1024;

const renderer = new ThreadService<RenderInput, Uint8Array[]>(siblingModule(import.meta.url, 'render-views-thread'), {
  resourceLimits: { maxOldGenerationSizeMb: 1024 },
});

/** Each of `rows` as the UTF-8 JSON of its `Submission` for the viewer, in order. */
export async function renderViews(input: RenderInput): Promise<Buffer[]> {
  if (input.rows.length === 0) return [];
  if (resultBytes(input.data) < RENDER_THREAD_FROM_BYTES) return renderHere(input).map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return (await renderer.call(input)).map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The rendering itself, on whichever thread calls it; each view in a buffer of its own (see `renderedBuffers`). */
export function renderHere(input: RenderInput): Uint8Array[] {
  const encoder = new TextEncoder();
  return assembleViews(input.rows, input.data, input.request).map((view) => encoder.encode(JSON.stringify(view)));
}

/** The buffers of rendered views, to move rather than copy between threads (TextEncoder gives each its own). */
export function renderedBuffers(views: Uint8Array[]): ArrayBuffer[] {
  return views.map((view) => view.buffer as ArrayBuffer);
}

/** How much JSON the results in `data` hold once decompressed: what rendering them costs. */
export function resultBytes(data: Pick<ViewData, 'results'>): number {
  let total = 0;
  // Rows stored before result_bytes existed were never compressed: their text is their JSON.
  for (const row of data.results) total += row.result_bytes ?? row.result.length;
  return total;
}
