import { createInterface } from 'node:readline';
import { Interrupted } from './interrupt.ts';

/**
 * Reads a secret (an API token): on a terminal, after `prompt` on stderr, without echoing it
 * (raw mode: Enter ends it, Backspace and Ctrl-U edit, Ctrl-C interrupts, Ctrl-D on an empty line
 * gives up); from a pipe or file, its first line. Leading and trailing spaces are dropped.
 */
export async function readSecret(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (input.isTTY) return readHidden(prompt, input, output);
  return readFirstLine(input);
}

async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line.trim();
    return '';
  } finally {
    lines.close();
  }
}

function readHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let secret = '';
    let escape = false;
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(secret.trim());
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString('utf8')) {
        // Skip terminal escape sequences (arrow keys, bracketed paste markers): ESC [ … final byte.
        if (escape) {
          if (/[A-Za-z~]/.test(char)) escape = false;
          continue;
        }
        switch (char) {
          case '\r':
          case '\n':
            finish();
            return;
          case '\u0003': // Ctrl-C: raw mode sends no SIGINT, so stop as the signal would.
            finish(new Interrupted('SIGINT'));
            return;
          case '\u0004': // Ctrl-D
            if (secret === '') {
              finish();
              return;
            }
            break;
          case '\u0015': // Ctrl-U
            secret = '';
            break;
          case '\u007f':
          case '\b':
            secret = secret.slice(0, -1);
            break;
          case '\u001b':
            escape = true;
            break;
          default:
            if (char >= ' ') secret += char;
        }
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
