/**
 * Server-sent events (the WHATWG `text/event-stream` format) read from a response body: lines end
 * in CR, LF or CRLF (a CRLF may be split across chunks, as may a UTF-8 character), `:` starts a
 * comment, `data:` lines of one event join with newlines, a blank line ends the event. Unlike a
 * browser's EventSource, an event with a type but no data still counts (`event: done` alone).
 */

export interface SseEvent {
  /** `message` when the event named no type. */
  event: string;
  data: string;
  id: string | undefined;
  /** A `retry:` field: the reconnection delay the server asks for, in ms. */
  retry: number | undefined;
}

/** Incremental parser: feed decoded text in any pieces, get the complete events so far. */
export class SseParser {
  #line = '';
  #afterCR = false;
  #started = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #retry: number | undefined;
  #fields = false;

  /** Parses a piece of the stream and returns the events it completed. */
  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let chunk = text;
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // The LF of a CRLF whose CR ended the previous line (maybe in the previous chunk).
      if (c === 10 && this.#afterCR && i === start) {
        this.#afterCR = false;
        start = i + 1;
        continue;
      }
      this.#line += chunk.slice(start, i);
      this.#afterCR = c === 13;
      start = i + 1;
      const event = this.#takeLine();
      if (event) events.push(event);
    }
    if (start < chunk.length) {
      this.#line += chunk.slice(start);
      this.#afterCR = false;
    }
    return events;
  }

  /** The stream ended: an event not closed by a blank line is dropped, as the standard says. */
  end(): void {
    this.#line = '';
    this.#reset();
  }

  #takeLine(): SseEvent | undefined {
    const line = this.#line;
    this.#line = '';
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        this.#fields = true;
        break;
      case 'data':
        this.#data.push(value);
        this.#fields = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#fields ? { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id, retry: this.#retry } : undefined;
    this.#reset();
    return event;
  }

  #reset(): void {
    this.#event = '';
    this.#data = [];
    this.#retry = undefined;
    this.#fields = false;
  }
}

/** The events of a byte stream (a fetch Response body), decoded as UTF-8 across chunk boundaries. */
export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  for await (const chunk of body) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  parser.end();
}
