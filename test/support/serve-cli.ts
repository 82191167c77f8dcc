/**
 * The real `gradebox serve --json` as a child process, for tests of the CLI against a server:
 * resolves once the server printed its first line (`{url, adminToken}`), or rejects with its
 * stderr when it exits before that.
 */
import { startCli, type RunningCli } from './run-cli.ts';

export interface ServedCli {
  cli: RunningCli;
  url: string;
  /** Only on a first start with an empty data directory. */
  adminToken: string | null;
  /** SIGTERM, then waits for the exit (a server that already ended is fine). */
  stop(): Promise<void>;
}

export async function startServeCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ServedCli> {
  const cli = startCli(['serve', ...args, '--json'], options);
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    cli.child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    cli.done.then((r) => reject(new Error(`gradebox serve exited (${String(r.code)}): ${r.stderr}`)), reject);
  });
  const parsed = JSON.parse(first) as { url: string; adminToken: string | null };
  const stop = async (): Promise<void> => {
    cli.child.kill('SIGTERM');
    await cli.done.catch(() => undefined);
  };
  return { cli, ...parsed, stop };
}
