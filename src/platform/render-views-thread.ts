/** Worker-thread entry of render-views.ts: renders submissions to JSON, one request at a time. */
import { serveThreadRequests } from '../util/thread-service.ts';
import { renderHere, type RenderInput } from './render-views.ts';

serveThreadRequests<RenderInput, string[]>(renderHere);
