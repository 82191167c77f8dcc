/** Worker-thread entry of render-views.ts: renders submissions to JSON, one request at a time. */
import { serveThreadRequests } from '../util/thread-service.ts';
import { renderedBuffers, renderHere, type RenderInput } from './render-views.ts';

serveThreadRequests<RenderInput, Uint8Array[]>(renderHere, renderedBuffers);
