/**
 * The server-sent events parser, fed the same stream in every way it can arrive: whole, one
 * character at a time, cut at every position (inside a field name, a CRLF, a UTF-8 character).
 */
import { describe, expect, it } from 'vitest';
import { readSseEvents, SseParser, type SseEvent } from '../../src/client/sse.ts';

function parseWhole(text: string): SseEvent[] {
  const parser = new SseParser();
  return parser.push(text);
}

function parsePieces(pieces: readonly string[]): SseEvent[] {
  const parser = new SseParser();
  return pieces.flatMap((piece) => parser.push(piece));
}

async function parseBytes(chunks: readonly Uint8Array[]): Promise<SseEvent[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    yield* chunks;
  }
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(body())) events.push(event);
  return events;
}

const ev = (event: string, data: string, id?: string, retry?: number): SseEvent => ({ event, data, id, retry });

// What the gradebox server sends, plus everything the format allows: comments, CRLF and CR line
// ends, a multi-line data field, a field without a colon, an unknown field, a BOM, non-ASCII data.
const STREAM =
  '\uFEFF: keep-alive\n\n' +
  'event: submission\ndata: {"id":"s1","status":"grading","note":"café ✓ 🎓"}\n\n' +
  'event: submission\r\ndata: {"id":"s1",\r\ndata: "status":"graded"}\r\n\r\n' +
  'id: 7\rretry: 2500\rdata:no space\r\r' +
  'unknown: x\ndata\n\n' +
  'event: done\n\n' +
  'event: done\ndata: {"submissionId":"s1"}\n\n';

const EXPECTED: SseEvent[] = [
  ev('submission', '{"id":"s1","status":"grading","note":"café ✓ 🎓"}'),
  ev('submission', '{"id":"s1",\n"status":"graded"}'),
  ev('message', 'no space', '7', 2500),
  ev('message', '', '7'),
  ev('done', '', '7'),
  ev('done', '{"submissionId":"s1"}', '7'),
];

describe('SseParser', () => {
  it('parses a whole stream: comments skipped, data lines joined, CR, LF and CRLF line ends, id kept', () => {
    expect(parseWhole(STREAM)).toEqual(EXPECTED);
  });

  it('gives the same events when the text is cut into two at every position', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(parsePieces([STREAM.slice(0, cut), STREAM.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events one character at a time, and cut into three everywhere', () => {
    expect(parsePieces([...STREAM])).toEqual(EXPECTED);
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        expect(parsePieces([STREAM.slice(0, a), STREAM.slice(a, b), STREAM.slice(b)]), `cuts ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('a CR ending one piece and an LF starting the next are one line end, not two', () => {
    expect(parsePieces(['data: a\r', '\n', '\r', '\n'])).toEqual([ev('message', 'a')]);
    // Two CRs are two line ends: the second ends the event.
    expect(parsePieces(['data: a\r', '\r'])).toEqual([ev('message', 'a')]);
  });

  it('an event not ended by a blank line is dropped when the stream ends', () => {
    const parser = new SseParser();
    expect(parser.push('event: submission\ndata: {"half":')).toEqual([]);
    parser.end();
    expect(parser.push('\n\n')).toEqual([]);
  });

  it('ignores a retry that is not a number, and an empty event with no fields', () => {
    expect(parseWhole('retry: soon\ndata: x\n\n\n\n')).toEqual([ev('message', 'x')]);
  });
});

describe('readSseEvents', () => {
  it('decodes UTF-8 split anywhere, even inside a character', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await parseBytes([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at byte ${cut}`).toEqual(EXPECTED);
    }
    expect(await parseBytes([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });
});
