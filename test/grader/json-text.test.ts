import { describe, expect, it } from 'vitest';
import { decodeUtf8, deeperThan, findSyntaxError, parseJson } from '../../src/grader/json-text.ts';

describe('parseJson', () => {
  it('refuses a document nested deeper than 64 levels, naming where, at any depth', () => {
    const nested = (levels: number): string => `${'{"a":['.repeat(levels / 2)}1${']}'.repeat(levels / 2)}`;
    expect(parseJson(nested(64)).ok).toBe(true);
    expect(parseJson(nested(66))).toEqual({
      ok: false,
      error: 'nests arrays and objects more than 64 levels deep (at $.a[0].a[0].a[0].a[0]…); gradebox reads at most 64 levels',
    });
    expect(parseJson(nested(2_000_000))).toMatchObject({ ok: false, error: expect.stringMatching(/^nests arrays and objects more than 64 levels deep/) as unknown });
    expect(parseJson('[[["x"]]]', 2)).toMatchObject({ ok: false, error: expect.stringContaining('(at $[0][0])') as unknown });
  });

  it('parses a document, ignoring a byte-order mark', () => {
    expect(parseJson('\uFEFF{"a": [1, 2.5e3, "x", true, null]}')).toEqual({ ok: true, value: { a: [1, 2500, 'x', true, null] } });
  });

  it.each([
    ['', 'is empty'],
    ['  \n ', 'is empty'],
    ['{"s": NaN, "f": "x"}', `is not JSON: NaN is not a JSON number at line 1 column 7 (JSON has no NaN or Infinity; Python's json.dumps writes them for float('nan'))`],
    ['{"s": Infinity}', `is not JSON: Infinity is not a JSON number at line 1 column 7 (JSON has no NaN or Infinity; Python's json.dumps writes them for float('inf'))`],
    ['{"s": -Infinity}', `is not JSON: -Infinity is not a JSON number at line 1 column 7 (JSON has no NaN or Infinity; Python's json.dumps writes them for float('-inf'))`],
    ['{"a": 1,}', 'is not JSON: unexpected "}" after a comma at line 1 column 9 (trailing commas are not allowed)'],
    ['[1,\n 2,\n]', 'is not JSON: unexpected "]" after a comma at line 3 column 1 (trailing commas are not allowed)'],
    ["{'a': 1}", 'is not JSON: unexpected "\'" (expected a property name in double quotes) at line 1 column 2 (JSON strings need double quotes)'],
    ['{a: 1}', 'is not JSON: unexpected "a" (expected a property name in double quotes) at line 1 column 2 (property names must be quoted)'],
    ["{\"a\": 'x'}", 'is not JSON: unexpected "\'" (expected a value) at line 1 column 7 (JSON strings need double quotes)'],
    ['{"a": True}', "is not JSON: unexpected \"T\" (expected a value) at line 1 column 7 (JSON writes true; this looks like Python's repr(), use json.dumps)"],
    ['{"a": None}', "is not JSON: unexpected \"N\" (expected a value) at line 1 column 7 (JSON writes null; this looks like Python's repr(), use json.dumps)"],
    ['{"a" 1}', 'is not JSON: unexpected "1" (expected ":" after a property name) at line 1 column 6'],
    ['{"a": 1 "b": 2}', 'is not JSON: unexpected "\\"" (expected "," or "}" after a property value) at line 1 column 9'],
    ['[1 2]', 'is not JSON: unexpected "2" (expected "," or "]" after an array element) at line 1 column 4'],
    ['{"a": [1, 2}', 'is not JSON: unexpected "}" (expected "," or "]" after an array element) at line 1 column 12'],
    ['{"a": 1', 'is not JSON: unexpected end of input (expected "," or "}" after a property value) at line 1 column 8'],
    ['{"a": "x', 'is not JSON: unterminated string at line 1 column 7'],
    ['{"a": "x\ny"}', 'is not JSON: control character U+000A in a string at line 1 column 9 (escape it, e.g. \\n or \\t)'],
    ['"\\q"', 'is not JSON: bad escape "\\\\q" in a string at line 1 column 2'],
    ['"\\u12"', 'is not JSON: bad \\u escape in a string at line 1 column 2 (it needs four hex digits)'],
    ['01', 'is not JSON: number with a leading zero at line 1 column 1 (leading zeros are not allowed)'],
    ['1.', 'is not JSON: unexpected end of input (expected a digit after ".") at line 1 column 3'],
    ['1e', 'is not JSON: unexpected end of input (expected a digit in the exponent) at line 1 column 3'],
    ['-x', 'is not JSON: unexpected "x" (expected a digit) at line 1 column 2'],
    ['.5', 'is not JSON: unexpected "." (expected a value) at line 1 column 1'],
    ['{"a": 1}\n{"b": 2}', 'is not JSON: unexpected "{" (expected the end of the document after the JSON value) at line 2 column 1 (only one JSON document is allowed)'],
    ['Traceback (most recent call last):', 'is not JSON: unexpected "T" (expected a value) at line 1 column 1'],
  ])('%j → %s', (text, error) => {
    expect(parseJson(text)).toEqual({ ok: false, error });
  });

  it('finds no error in valid JSON, deeply nested or not', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(findSyntaxError(deep)).toBeUndefined();
    expect(findSyntaxError('{"a": {"b": [1, -0.5e-3, "\\u00e9\\n", {}, []]}, "c": false}')).toBeUndefined();
  });

  it('agrees with JSON.parse on what is valid', () => {
    const samples = ['{}', '[]', '"x"', '0', '-0', '1E+2', '{"a":[{"b":null}]}', '[1,]', '{"a":}', '[', '"', 'tru', 'nul', '{"a":1}}', '[[]]]'];
    for (const sample of samples) {
      let valid = true;
      try {
        JSON.parse(sample);
      } catch {
        valid = false;
      }
      expect(findSyntaxError(sample) === undefined, sample).toBe(valid);
    }
  });
});

describe('decodeUtf8', () => {
  it('decodes UTF-8 and drops a byte-order mark', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFé€'))).toEqual({ ok: true, text: 'é€' });
  });

  it('names the offset of the first invalid byte', () => {
    expect(decodeUtf8(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]))).toEqual({ ok: false, error: 'is not UTF-8 text (first invalid byte at offset 2)' });
  });
});

describe('deeperThan', () => {
  it('finds the first value past the depth, with a readable path', () => {
    expect(deeperThan({ a: 1, b: [2, { c: 3 }] }, 3)).toBeUndefined();
    expect(deeperThan({ a: 1, b: [2, { 'odd key': {} }] }, 3)).toBe('$.b[1]["odd key"]');
    expect(deeperThan('scalar', 0)).toBeUndefined();
    expect(deeperThan([], 0)).toBe('$');
  });
});
