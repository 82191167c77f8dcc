/**
 * The data-directory lock: one server per folder, a lock the kernel drops when its process dies
 * (SIGKILL, even before the dead process is reaped), and exactly one winner when servers start at
 * the same moment — proved across real processes, not just within this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimDataDir, dataDirLayout, DataDirBusy } from '../../src/server/data-dir.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT } from '../support/run-cli.ts';

const HOLDER = join(REPO_ROOT, 'test', 'support', 'hold-data-dir.ts');

let root: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gradebox-lock-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
function freshDir(): string {
  return join(root, `data-${++folders}`);
}

/** A process that claims `dir` (see test/support/hold-data-dir.ts), with its output line by line. */
function holder(dir: string, claimAtOnce = true): { child: ChildProcess; lines: AsyncGenerator<string> } {
  const child = spawn(process.execPath, [HOLDER, dir, ...(claimAtOnce ? ['--claim'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return { child, lines: linesOf(child) };
}

/** The lines a child prints on stdout, one at a time. */
async function* linesOf(child: ChildProcess): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of child.stdout!) {
    buffered += (chunk as Buffer).toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

async function nextLine(lines: AsyncGenerator<string>): Promise<string> {
  const next = await lines.next();
  if (next.done === true) throw new Error('the process ended without printing another line');
  return next.value;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve())));
}

/** The process state letter from /proc (`Z` for a zombie: dead, not reaped). */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/**
 * Runs `argv` in the background of a shell that then becomes `sleep`: the child's parent never
 * reaps it, so once killed it stays a zombie (as a server killed by SIGKILL does until its parent
 * gets round to waiting for it). Returns the shell (the child's parent) and the child's pid.
 */
async function unreapedChild(argv: string[], env?: NodeJS.ProcessEnv): Promise<{ parent: ChildProcess; pid: number; lines: AsyncGenerator<string> }> {
  const parent = spawn('sh', ['-c', '"$@" & echo "child $!"; exec sleep 300', 'sh', ...argv], { stdio: ['ignore', 'pipe', 'inherit'], ...(env ? { env } : {}) });
  children.push(parent);
  const lines = linesOf(parent);
  const pid = Number(/^child (\d+)$/.exec(await nextLine(lines))?.[1]);
  expect(pid).toBeGreaterThan(0);
  return { parent, pid, lines };
}

describe('the data-directory lock in one process', () => {
  it('two claims at once: exactly one wins; after release the folder can be claimed again', async () => {
    const dir = dataDirLayout(freshDir());
    const outcomes = await Promise.allSettled([claimDataDir(dir), claimDataDir(dir), claimDataDir(dir)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) expect(lost.reason).toBeInstanceOf(DataDirBusy);
    await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    const again = await claimDataDir(dir);
    expect(await readFile(dir.pidFile, 'utf8')).toBe(`${process.pid}\n`);
    await again();
    expect(existsSync(dir.pidFile)).toBe(false);
    expect(existsSync(dir.lock)).toBe(true); // kept: deleting a lock file others may hold open is the classic race
  });

  it('a pid file naming a live process that holds no lock does not block', async () => {
    const dir = dataDirLayout(freshDir());
    await (await claimDataDir(dir))();
    // pid 1 is alive and is no gradebox server.
    await writeFile(dir.pidFile, '1\n');
    const release = await claimDataDir(dir);
    await release();
  });

  it('a lock file that is no lock file is refused with what to do', async () => {
    const dir = dataDirLayout(freshDir());
    await (await claimDataDir(dir))();
    await writeFile(dir.lock, 'this is not a database, just some bytes that are long enough to be read as a header'.repeat(10));
    await expect(claimDataDir(dir)).rejects.toThrow(/server\.lock is not a lock file.*delete/);
  });
});

describe('the data-directory lock across processes', () => {
  it('a second process is refused at once, naming the holder', async () => {
    const dir = freshDir();
    const first = holder(dir);
    expect(await nextLine(first.lines)).toBe('ready');
    expect(await nextLine(first.lines)).toBe(`locked ${first.child.pid}`);
    const second = holder(dir);
    expect(await nextLine(second.lines)).toBe('ready');
    expect(await nextLine(second.lines)).toBe(`busy another gradebox server (pid ${first.child.pid}) is using ${dir}; stop it first or pass another --data folder`);
    first.child.stdin?.end();
    second.child.stdin?.end();
  });

  it('a holder killed with SIGKILL and not yet reaped does not block the next one', async () => {
    const dir = freshDir();
    const { parent, pid, lines } = await unreapedChild([process.execPath, HOLDER, dir, '--claim']);
    expect(await nextLine(lines)).toBe('ready');
    expect(await nextLine(lines)).toBe(`locked ${pid}`);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; (await processState(pid)) !== 'Z'; i++) {
      if (i > 200) throw new Error(`pid ${pid} did not become a zombie: ${String(await processState(pid))}`);
      await sleep(10);
    }
    // Its pid file still names it, and `kill(pid, 0)` still finds it: only the lock tells the truth.
    expect(await readFile(join(dir, 'server.pid'), 'utf8')).toBe(`${pid}\n`);
    const next = holder(dir);
    expect(await nextLine(next.lines)).toBe('ready');
    expect(await nextLine(next.lines)).toBe(`locked ${next.child.pid}`);
    next.child.stdin?.end();
    parent.kill('SIGKILL');
  });

  it('of processes claiming at the same moment a folder a dead server left, exactly one gets it, round after round', async () => {
    const dir = freshDir();
    // What a server killed earlier leaves: its pid file, naming a process that is gone.
    const gone = spawn(process.execPath, ['-e', '']);
    await exited(gone);
    await (await claimDataDir(dataDirLayout(dir)))();
    await writeFile(join(dir, 'server.pid'), `${gone.pid}\n`);

    const racers = Array.from({ length: 6 }, () => holder(dir, false));
    for (const racer of racers) expect(await nextLine(racer.lines)).toBe('ready');
    for (let round = 0; round < 20; round++) {
      for (const racer of racers) racer.child.stdin?.write('claim\n');
      const outcomes = await Promise.all(racers.map((racer) => nextLine(racer.lines)));
      expect(outcomes.filter((line) => line.startsWith('locked ')), outcomes.join('\n')).toHaveLength(1);
      expect(outcomes.filter((line) => line.startsWith('busy ')), outcomes.join('\n')).toHaveLength(5);
      const winner = racers[outcomes.findIndex((line) => line.startsWith('locked '))]!;
      winner.child.stdin?.write('release\n');
      expect(await nextLine(winner.lines)).toBe('released');
    }
    for (const racer of racers) racer.child.stdin?.end();
    await Promise.all(racers.map((racer) => exited(racer.child)));
  }, 60_000);
});

describe('gradebox serve after SIGKILL', () => {
  it('starts at once on the folder of a server killed with SIGKILL, before that server is reaped', async () => {
    assertBuildIsFresh();
    const home = join(root, 'home');
    const dir = freshDir();
    const env = cliEnv({ GRADEBOX_HOME: home, XDG_CONFIG_HOME: join(home, 'config') });
    const serve = [process.execPath, GRADEBOX_BIN, 'serve', '--data', dir, '--port', '0', '--workers', '0', '--json'];
    const { parent, pid, lines } = await unreapedChild(serve, env);
    const started = JSON.parse(await nextLine(lines)) as { url: string };
    expect((await fetch(`${started.url}/api/health`)).status).toBe(200);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; (await processState(pid)) !== 'Z'; i++) {
      if (i > 200) throw new Error(`the server did not become a zombie: ${String(await processState(pid))}`);
      await sleep(10);
    }
    const again = spawn(serve[0]!, serve.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(again);
    const restarted = JSON.parse(await nextLine(linesOf(again))) as { url: string };
    expect((await fetch(`${restarted.url}/api/health`)).status).toBe(200);
    again.kill('SIGTERM');
    await exited(again);
    parent.kill('SIGKILL');
  }, 60_000);
});
