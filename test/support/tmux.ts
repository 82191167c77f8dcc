/**
 * Drives a program on a real terminal: a tmux server on a private socket runs it in a detached
 * session, keys go in with send-keys and the screen comes back with capture-pane. This is how a
 * user's terminal behaves (raw mode, Ctrl-C as a byte, SIGWINCH on resize), which piped stdin
 * cannot show.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isAlive } from '../../src/util/is-alive.ts';

const run = promisify(execFile);

/** Quotes `word` for sh, which tmux runs the session's command with. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export interface TmuxOptions {
  /** Folder for the server's socket and config (each session gets its own server). */
  dir: string;
  /** Program and arguments. */
  command: readonly string[];
  /** Environment of the program (tmux passes it on from the server's). */
  env: NodeJS.ProcessEnv;
  width: number;
  height: number;
}

export class TmuxSession {
  readonly #socket: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #statusFile: string;

  private constructor(socket: string, env: NodeJS.ProcessEnv) {
    this.#socket = socket;
    this.#env = env;
    this.#statusFile = `${socket}.status`;
  }

  /**
   * Starts `command` in a fresh tmux server, with no status line, so the pane is exactly
   * width × height. A shell waits for the program and writes its exit status to a file: tmux
   * 3.3 does not always reap a pane's process, so `#{pane_dead_status}` cannot be relied on.
   */
  static async start(options: TmuxOptions): Promise<TmuxSession> {
    const socket = join(options.dir, `tmux-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    const config = `${socket}.conf`;
    await writeFile(config, 'set -g status off\nset -g history-limit 5000\n');
    const session = new TmuxSession(socket, options.env);
    const wrapper = ['sh', '-c', `"$@"; echo $? > ${shellQuote(session.#statusFile)}; sleep 600`, 'sh', ...options.command];
    await session.tmux('-f', config, 'new-session', '-d', '-s', 'main', '-x', String(options.width), '-y', String(options.height),
      `exec ${wrapper.map(shellQuote).join(' ')}`);
    return session;
  }

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.#socket, ...args], { env: this.#env });
    return stdout;
  }

  /** Sends tmux key names (`Enter`, `C-c`, `BSpace`); `-l` first sends the rest as literal text. */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Types `text` and presses Enter. */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'main', '-l', text);
    await this.keys('Enter');
  }

  /** The screen and its scrollback, wrapped lines joined, trailing blank lines dropped. */
  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main')).replace(/\s+$/, '');
  }

  /** Waits until the screen matches `pattern`; fails with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the screen did not show ${pattern} within ${timeoutMs} ms:\n${screen}`);
      await sleep(50);
    }
  }

  async resize(width: number, height: number): Promise<void> {
    await this.tmux('resize-window', '-t', 'main', '-x', String(width), '-y', String(height));
  }

  /** The program's exit status (128+n for death by signal n, as sh reports it) once it has exited, else undefined. */
  async exitStatus(): Promise<number | undefined> {
    const text = await readFile(this.#statusFile, 'utf8').catch(() => '');
    return /^\d+\n$/.test(text) ? Number(text) : undefined;
  }

  /** Waits for the program to exit and returns its exit status. */
  async waitForExit(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.exitStatus();
      if (status !== undefined) return status;
      if (Date.now() > deadline) throw new Error(`the program did not exit within ${timeoutMs} ms:\n${await this.screen()}`);
      await sleep(50);
    }
  }

  /** Pid of the program (the child of the waiting shell). */
  async pid(): Promise<number> {
    const shell = (await this.tmux('display-message', '-p', '-t', 'main', '#{pane_pid}')).trim();
    const children = (await readFile(`/proc/${shell}/task/${shell}/children`, 'utf8')).trim().split(' ');
    if (children.length !== 1 || !children[0]) throw new Error(`expected one program under the pane's shell, found "${children.join(' ')}"`);
    return Number(children[0]);
  }

  /**
   * Ends the server, which closes the terminal: the program gets SIGHUP, as when a window is
   * closed. Resolves once the server and the pane's shell are gone (under load they linger a
   * moment, and a leftovers check right after would count them).
   */
  async kill(): Promise<void> {
    const pids = await this.tmux('display-message', '-p', '-t', 'main', '#{pid} #{pane_pid}').then(
      (text) => text.trim().split(' ').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0),
      () => [],
    );
    await this.tmux('kill-server').catch(() => undefined);
    for (let i = 0; i < 200 && pids.some(isAlive); i++) await sleep(50);
  }
}
