import type { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/**
 * Colours text for a stream. styleText checks NO_COLOR, FORCE_COLOR and whether the stream is a
 * terminal, so piped output and NO_COLOR=1 stay plain. It is only loaded for a terminal (or with
 * FORCE_COLOR): node:util brings worker_threads and more, ~4 ms of a one-shot command's start,
 * and for anything else styleText would return the text as it is anyway.
 */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  if (process.env.FORCE_COLOR === undefined && stream.isTTY !== true) return text;
  return process.getBuiltinModule('node:util').styleText(style, text, { stream, validateStream: true });
}

/** Writes one line to stderr (diagnostics never mix with the `--json` document on stdout). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
