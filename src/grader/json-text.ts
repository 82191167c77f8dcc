/**
 * Decoding and parsing of grader output, with errors that say where the text went wrong.
 *
 * `JSON.parse` does the parsing. When it fails we scan the text ourselves to find the first fault:
 * V8's messages give no position for some faults (`Unexpected token 'N', "…whole input…" is not
 * valid JSON`) and quote the whole input, which may be a megabyte of grader output.
 */

export type Decoded = { ok: true; text: string } | { ok: false; error: string };
export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: string };

/** Decodes UTF-8 strictly; a leading byte-order mark is dropped (RFC 8259 allows ignoring it). */
export function decodeUtf8(data: Uint8Array): Decoded {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
    return { ok: true, text };
  } catch {
    return { ok: false, error: `is not UTF-8 text (first invalid byte at offset ${firstInvalidByte(data)})` };
  }
}

/** Levels of nested arrays and objects a document may have: deeper ones cannot be serialized again safely. */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses one JSON document; the error says what is wrong and where (`… at line 1 column 7`).
 * A document nested deeper than `maxDepth` levels is refused: V8 parses any depth, but writing
 * such a value back as JSON (to store or print it) overflows the stack.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): ParsedJson {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { ok: false, error: 'is empty' };
  try {
    const value = JSON.parse(body) as unknown;
    const deep = deeperThan(value, maxDepth);
    if (deep !== undefined) {
      return { ok: false, error: `nests arrays and objects more than ${maxDepth} levels deep (at ${deep}); gradebox reads at most ${maxDepth} levels` };
    }
    return { ok: true, value };
  } catch (error) {
    const fault = findSyntaxError(body);
    if (fault === undefined) return { ok: false, error: `is not JSON: ${String((error as Error).message).slice(0, 200)}` };
    const { line, column } = lineAndColumn(body, fault.offset);
    return { ok: false, error: `is not JSON: ${fault.message} at line ${line} column ${column}${fault.hint ? ` (${fault.hint})` : ''}` };
  }
}

/**
 * The path (`$.extra_data.a[0]…`, its first steps) to the first value nested more than `max`
 * levels deep, or undefined. Iterative, with an explicit stack: any depth is safe here.
 */
export function deeperThan(root: unknown, max: number): string | undefined {
  interface Frame { value: unknown; depth: number; parent: Frame | undefined; key: string | number }
  const stack: Frame[] = [{ value: root, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value, depth } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) return pathOf(frame);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: frame, key: i });
    } else {
      for (const [key, child] of Object.entries(value)) stack.push({ value: child, depth: depth + 1, parent: frame, key });
    }
  }
  return undefined;
}

/** `$.a[0]["odd key"]…`, the first 8 steps of a frame's path. */
function pathOf(frame: { parent: typeof frame | undefined; key: string | number }): string {
  const keys: (string | number)[] = [];
  for (let f: typeof frame | undefined = frame; f?.parent !== undefined; f = f.parent) keys.push(f.key);
  keys.reverse();
  const steps = keys.slice(0, 8).map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`));
  return `$${steps.join('')}${keys.length > 8 ? '…' : ''}`;
}

interface Fault {
  offset: number;
  message: string;
  hint?: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** Finds the first syntax error in `text` per RFC 8259, or undefined if there is none. Iterative: any depth. */
export function findSyntaxError(text: string): Fault | undefined {
  const n = text.length;
  const closers: ('}' | ']')[] = [];
  let i = 0;
  const skip = (): void => {
    while (i < n && WHITESPACE.has(text[i]!)) i++;
  };

  const propertyName = (afterComma: boolean): Fault | undefined => {
    skip();
    if (afterComma && text[i] === '}') return { offset: i, message: 'unexpected "}" after a comma', hint: 'trailing commas are not allowed' };
    if (text[i] !== '"') {
      return unexpected(text, i, 'expected a property name in double quotes', nameHint(text, i));
    }
    const fault = string();
    if (fault) return fault;
    skip();
    if (text[i] !== ':') return unexpected(text, i, 'expected ":" after a property name');
    i++;
    return undefined;
  };

  const string = (): Fault | undefined => {
    const start = i++;
    for (;;) {
      if (i >= n) return { offset: start, message: 'unterminated string' };
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { offset: i, message: `control character U+${c.toString(16).padStart(4, '0').toUpperCase()} in a string`, hint: 'escape it, e.g. \\n or \\t' };
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, message: 'bad \\u escape in a string', hint: 'it needs four hex digits' };
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return { offset: i, message: `bad escape ${JSON.stringify(`\\${e ?? ''}`)} in a string` };
        }
        continue;
      }
      i++;
    }
  };

  const number = (): Fault | undefined => {
    if (text[i] === '-') i++;
    if (text.startsWith('Infinity', i)) return nonFinite(i - 1, '-Infinity');
    if (text[i] === '0') {
      i++;
      if (isDigit(text[i])) return { offset: i - 1, message: 'number with a leading zero', hint: 'leading zeros are not allowed' };
    } else if (isDigit(text[i])) {
      while (isDigit(text[i])) i++;
    } else {
      return unexpected(text, i, 'expected a digit');
    }
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) return unexpected(text, i, 'expected a digit after "."');
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return unexpected(text, i, 'expected a digit in the exponent');
      while (isDigit(text[i])) i++;
    }
    return undefined;
  };

  const scalar = (): Fault | undefined => {
    const c = text[i];
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return undefined;
      }
    }
    for (const word of ['NaN', 'Infinity']) if (text.startsWith(word, i)) return nonFinite(i, word);
    return unexpected(text, i, 'expected a value', valueHint(text, i));
  };

  for (;;) {
    // Expecting a value.
    skip();
    let fault: Fault | undefined;
    if (text[i] === '{') {
      i++;
      skip();
      if (text[i] === '}') i++;
      else {
        closers.push('}');
        fault = propertyName(false);
        if (fault) return fault;
        continue;
      }
    } else if (text[i] === '[') {
      i++;
      skip();
      if (text[i] === ']') i++;
      else {
        closers.push(']');
        continue;
      }
    } else {
      fault = scalar();
      if (fault) return fault;
    }
    // After a value: close containers until a comma asks for the next value.
    for (;;) {
      skip();
      const closer = closers.at(-1);
      if (closer === undefined) {
        return i < n ? unexpected(text, i, 'expected the end of the document after the JSON value', 'only one JSON document is allowed') : undefined;
      }
      if (text[i] === closer) {
        closers.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') {
        return unexpected(text, i, closer === '}' ? 'expected "," or "}" after a property value' : 'expected "," or "]" after an array element');
      }
      i++;
      if (closer === '}') {
        fault = propertyName(true);
        if (fault) return fault;
      } else {
        skip();
        if (text[i] === ']') return { offset: i, message: 'unexpected "]" after a comma', hint: 'trailing commas are not allowed' };
      }
      break;
    }
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function unexpected(text: string, offset: number, expectation: string, hint?: string): Fault {
  if (offset >= text.length) return { offset, message: `unexpected end of input (${expectation})`, hint };
  const char = String.fromCodePoint(text.codePointAt(offset)!);
  return { offset, message: `unexpected ${JSON.stringify(char)} (${expectation})`, hint };
}

function nonFinite(offset: number, word: string): Fault {
  return {
    offset,
    message: `${word} is not a JSON number`,
    hint: `JSON has no NaN or Infinity; Python's json.dumps writes them for float('${word.toLowerCase().replace('infinity', 'inf')}')`,
  };
}

function nameHint(text: string, offset: number): string | undefined {
  if (text[offset] === "'") return 'JSON strings need double quotes';
  if (/^[A-Za-z_$]/.test(text[offset] ?? '')) return 'property names must be quoted';
  return undefined;
}

function valueHint(text: string, offset: number): string | undefined {
  if (text[offset] === "'") return 'JSON strings need double quotes';
  for (const [python, json] of [['True', 'true'], ['False', 'false'], ['None', 'null']] as const) {
    if (text.startsWith(python, offset)) return `JSON writes ${json}; this looks like Python's repr(), use json.dumps`;
  }
  return undefined;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first byte a lenient decode had to replace: the bytes before it re-encode unchanged. */
function firstInvalidByte(data: Uint8Array): number {
  const reencoded = new TextEncoder().encode(new TextDecoder('utf-8', { ignoreBOM: true }).decode(data));
  let i = 0;
  while (i < data.length && data[i] === reencoded[i]) i++;
  return i;
}
