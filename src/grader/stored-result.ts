/**
 * A GradeResult as the service stores it: its status and score for queries, and the whole result
 * as JSON, gzip-compressed when it is big (a result of thousands of tests shrinks several times;
 * a small one is not worth the CPU). Encoding and decoding are pure and run on any thread.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { GradeResult, GradeStatus } from './grade-result.ts';
import { failed } from './interpret-run.ts';

/** JSON at least this long is stored gzip-compressed. */
export const COMPRESS_FROM_BYTES = 64 * 1024;

export interface StoredResult {
  status: GradeStatus;
  score: number | null;
  /** The result as JSON, or '' when `gzip` holds it. */
  json: string;
  /** The result's JSON, gzip-compressed; null when `json` holds it. */
  gzip: Uint8Array | null;
  /** Length of the result's JSON (in UTF-16 code units, as JavaScript counts it), compressed or not. */
  bytes: number;
}

/**
 * The stored form of `result`. Limits keep a result far from what JSON.stringify cannot write
 * (strings past V8's maximum, nesting past the stack); should it fail anyway, the job still gets a
 * stored `grader-error` saying why, never an exception that would make the service run it again.
 */
export function encodeResult(result: GradeResult): StoredResult {
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    return encodeResult(unstorable(result, error));
  }
  const stored: StoredResult = { status: result.status, score: result.score, json, gzip: null, bytes: json.length };
  if (json.length >= COMPRESS_FROM_BYTES) {
    stored.gzip = gzipSync(json);
    stored.json = '';
  }
  return stored;
}

/** The JSON text of a stored result, whichever way it was stored. */
export function storedJson(stored: { json: string; gzip: Uint8Array | null }): string {
  return stored.gzip === null ? stored.json : gunzipSync(stored.gzip).toString('utf8');
}

function unstorable(result: GradeResult, error: unknown): GradeResult {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const why = `the result could not be stored (${message}); write less per test, or fewer tests`;
  const { outputVisibility: _visibility, ...verdict } = failed([why], []);
  const { leaderboard: _leaderboard, extraData: _extraData, ...rest } = result;
  const { stdout, stderr } = result.output;
  return { ...rest, ...verdict, output: { stdout, stderr, visibleToStudents: false } };
}
