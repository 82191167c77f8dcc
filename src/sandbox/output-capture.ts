import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { CapturedOutput } from './sandbox.ts';

export interface OutputCaptureOptions {
  /** Bytes of each stream kept; the rest is only counted. */
  capBytes: number;
  /** Total bytes over both streams after which `onLimit` is called (once). */
  limitBytes: number;
  onLimit: () => void;
}

class StreamTally {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private readonly capBytes: number;
  bytes = 0;

  constructor(capBytes: number) {
    this.capBytes = capBytes;
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    const room = this.capBytes - this.keptBytes;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.kept.push(part);
    this.keptBytes += part.length;
  }

  result(): CapturedOutput {
    // StringDecoder.write holds back a character cut in half by the cap instead of mangling it.
    const text = new StringDecoder('utf8').write(Buffer.concat(this.kept, this.keptBytes));
    return { text, bytes: this.bytes, truncated: this.bytes > this.keptBytes };
  }
}

/**
 * Collects a run's stdout and stderr: keeps the first `capBytes` of each, counts everything, and
 * calls `onLimit` once when both together pass `limitBytes` so the caller can stop the run.
 * Reading continues after the limit so the pipes drain and the totals stay honest.
 */
export class OutputCapture {
  private readonly streams: { stdout: StreamTally; stderr: StreamTally };
  private readonly options: OutputCaptureOptions;
  private limitHit = false;

  constructor(options: OutputCaptureOptions) {
    this.options = options;
    this.streams = { stdout: new StreamTally(options.capBytes), stderr: new StreamTally(options.capBytes) };
  }

  /** Starts reading `stream` as the run's `which` stream. */
  attach(stream: Readable, which: 'stdout' | 'stderr'): void {
    stream.on('data', (chunk: Buffer) => {
      this.streams[which].add(chunk);
      if (!this.limitHit && this.streams.stdout.bytes + this.streams.stderr.bytes > this.options.limitBytes) {
        this.limitHit = true;
        this.options.onLimit();
      }
    });
  }

  /** Whether the output limit was passed. */
  get limitExceeded(): boolean {
    return this.limitHit;
  }

  result(): { stdout: CapturedOutput; stderr: CapturedOutput } {
    return { stdout: this.streams.stdout.result(), stderr: this.streams.stderr.result() };
  }
}
