/**
 * A process that claims a data directory exactly as `gradebox serve` does, for the lock tests:
 * `node hold-data-dir.ts DIR [--claim]` prints `ready`, then obeys lines on stdin — `claim` (print
 * `locked PID`, or `busy MESSAGE` when another holds it) and `release` (print `released`) — so one
 * set of processes can race for the folder round after round. `--claim` claims at once. When
 * stdin ends it releases what it holds and exits.
 */
import { createInterface } from 'node:readline';
import { claimDataDir, dataDirLayout, DataDirBusy } from '../../src/server/data-dir.ts';

const [dirArg, flag] = process.argv.slice(2);
if (dirArg === undefined) throw new Error('usage: hold-data-dir.ts DIR [--claim]');
const dir = dataDirLayout(dirArg);
let release: (() => Promise<void>) | undefined;

async function obey(command: string): Promise<void> {
  if (command === 'claim') {
    try {
      release = await claimDataDir(dir);
      process.stdout.write(`locked ${process.pid}\n`);
    } catch (error) {
      if (!(error instanceof DataDirBusy)) throw error;
      process.stdout.write(`busy ${error.message}\n`);
    }
  } else if (command === 'release') {
    await release?.();
    release = undefined;
    process.stdout.write('released\n');
  }
}

process.stdout.write('ready\n');
if (flag === '--claim') await obey('claim');
for await (const line of createInterface({ input: process.stdin })) await obey(line.trim());
await release?.();
