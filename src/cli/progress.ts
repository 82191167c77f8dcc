import type { Ora } from 'ora';
import type { ImportProgress } from '../image/image-source.ts';

/** A regrade's jobs: `done` of `total`, with its failures and ETA in the line. */
export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  unit: 'jobs';
  failed: number;
  etaSeconds: number | null;
}

/** Things counted, e.g. goldens graded. */
export interface ItemProgress {
  phase: string;
  done: number;
  total: number;
  unit: 'items';
  noun: string;
}

/** A step of long work (importing or unpacking an image, indexing its layers, a regrade's jobs, goldens graded). */
export type Progress = ImportProgress | JobProgress | ItemProgress;

const BAR_WIDTH = 24;

/**
 * A progress line on stderr: a bar when the total is known, a spinner otherwise. Silent when stderr
 * is not a terminal (CI logs, pipes) or one with no width, so machine output stays clean.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; stop: () => void } {
  let spinner: Ora | undefined;
  let stopped = false;
  let latest: Progress | undefined;
  // A terminal of width 0 (a pty nobody sized, e.g. `script` run without a terminal) would make ora
  // count its lines as Infinity and clear them forever: draw nothing there.
  const enabled = stream.isTTY === true && !process.env.CI && stream.columns > 0;
  // ora costs ~60 ms to load, so it is loaded only when a terminal will show it.
  const loading = enabled
    ? import('ora').then(({ default: ora }) => {
        if (stopped) return;
        spinner = ora({ stream, discardStdin: false }).start();
        if (latest) spinner.text = render(latest);
      })
    : undefined;
  loading?.catch(() => undefined);
  return {
    update(p: Progress) {
      latest = p;
      if (spinner) spinner.text = render(p);
    },
    stop() {
      stopped = true;
      spinner?.stop();
      spinner = undefined;
    },
  };
}

export function render(p: Progress): string {
  if (!p.total || p.total <= 0) return p.done > 0 && p.unit !== 'layers' ? `${p.phase} ${humanBytes(p.done)}` : p.phase;
  const fraction = Math.min(1, p.done / p.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const counts =
    p.unit === 'jobs'
      ? `${p.done} of ${p.total} jobs${p.failed > 0 ? `, ${p.failed} failed` : ''}${p.etaSeconds === null ? '' : `, about ${formatEta(p.etaSeconds)} left`}`
      : p.unit === 'layers'
        ? `layer ${p.done} of ${p.total}`
        : p.unit === 'items'
          ? `${p.done} of ${p.total} ${p.noun}`
          : `${humanBytes(p.done)} / ${humanBytes(p.total)}`;
  return `${p.phase} ${bar} ${Math.floor(fraction * 100)}% (${counts})`;
}

function formatEta(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
