import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/**
 * Colours text for a stream. styleText checks NO_COLOR, FORCE_COLOR and whether the stream is a
 * terminal, so piped output and NO_COLOR=1 stay plain.
 */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return styleText(style, text, { stream, validateStream: true });
}

/** Writes one line to stderr (diagnostics never mix with the `--json` document on stdout). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
