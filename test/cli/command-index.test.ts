/**
 * The command index (src/cli/command-index.ts) against the commands themselves, and lazy loading
 * end to end: `--help` of every command and subcommand works, and a command's modules load only
 * when that command runs (with the bundle, when bin/gradebox.js runs it: every module of every
 * file it loads counts as loaded; test/cli/bundle.test.ts checks the bundle on its own).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Help, type Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_INDEX, type CommandEntry } from '../../src/cli/command-index.ts';
import { assertBuildIsFresh, bundledModules, cliEnv, GRADEBOX_BIN, runCli } from '../support/run-cli.ts';

/** Every command path (`['grade', 'local']`, `['tokens', 'issue']`, …), nested ones included, read from the loaded commands. */
async function commandPaths(entries: readonly CommandEntry[], prefix: string[] = []): Promise<string[][]> {
  const paths: string[][] = [];
  for (const entry of entries) {
    const path = [...prefix, entry.name];
    paths.push(path);
    if ('subcommands' in entry) paths.push(...await commandPaths(entry.subcommands, path));
    else paths.push(...subcommandPaths(await entry.load(), path));
  }
  return paths;
}

function subcommandPaths(command: Command, prefix: string[]): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...subcommandPaths(sub, [...prefix, sub.name()])]);
}

let work: string;
let hook: string;
beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-command-index-'));
  // Lists the CLI's own modules as they load, on stderr at exit.
  hook = join(work, 'list-modules.mjs');
  await writeFile(hook, [
    "import { registerHooks } from 'node:module';",
    'const loaded = [];',
    "registerHooks({ load(url, context, next) { if (url.includes('/dist/')) loaded.push(url.replace(/^.*\\/dist\\//, '')); return next(url, context); } });",
    "process.on('exit', () => process.stderr.write(`\\nloaded: ${loaded.join(' ')}\\n`));",
  ].join('\n'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the index matches the commands', () => {
  const leaves = (entries: readonly CommandEntry[], prefix = ''): [string, CommandEntry & { load(): Promise<Command> }][] =>
    entries.flatMap((entry) => ('load' in entry ? [[`${prefix}${entry.name}`, entry] as [string, typeof entry]] : leaves(entry.subcommands, `${prefix}${entry.name} `)));

  it.each(leaves(COMMAND_INDEX))('%s: term and summary are what commander derives from it', async (_path, entry) => {
    const command = await entry.load();
    expect(command.name()).toBe(entry.name);
    expect({ term: new Help().subcommandTerm(command), summary: command.description() }).toEqual({ term: entry.term, summary: entry.summary });
  });

  it('names are unique at each level', () => {
    const check = (entries: readonly CommandEntry[]): void => {
      expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
      for (const entry of entries) if ('subcommands' in entry) check(entry.subcommands);
    };
    check(COMMAND_INDEX);
  });
});

describe('--help of every command', () => {
  it('exits 0 with its own usage line', async () => {
    const paths = await commandPaths(COMMAND_INDEX);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const result = await runCli([...path, '--help'], { env: cliEnv({}) });
      expect(result.code, `${path.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout, path.join(' ')).toMatch(new RegExp(`^Usage: gradebox ${path.join(' ')} `));
      expect(result.stderr).toBe('');
    }
  });

  it('gradebox help COMMAND is the same as COMMAND --help', async () => {
    for (const path of [['ls'], ['grade'], ['tokens']]) {
      const viaHelp = await runCli(['help', ...path], { env: cliEnv({}) });
      expect(viaHelp.stdout, path.join(' ')).toBe((await runCli([...path, '--help'], { env: cliEnv({}) })).stdout);
    }
  });
});

describe('lazy loading', () => {
  const loadedBy = async (args: string[]): Promise<string[]> => {
    const result = await runCli(args, { env: cliEnv({}), command: [process.execPath, '--import', hook, GRADEBOX_BIN] });
    return bundledModules(/\nloaded: (.*)\n$/.exec(result.stderr)?.[1]?.split(' ') ?? []);
  };

  it('--help and --version load no command module', async () => {
    for (const args of [['--help'], ['--version'], ['help'], ['no-such-command']]) {
      const loaded = await loadedBy(args);
      expect(loaded, args.join(' ')).toContain('cli/main.js');
      expect(loaded.filter((m) => m.startsWith('cli/commands/')), args.join(' ')).toEqual([]);
    }
  });

  it('a command loads its own module only, and grade local neither grade remote nor the HTTP client', async () => {
    expect((await loadedBy(['ls', '--help'])).filter((m) => m.startsWith('cli/commands/'))).toEqual(['cli/commands/ls.js']);
    const gradeLocal = await loadedBy(['grade', 'local', '--help']);
    expect(gradeLocal.filter((m) => m.startsWith('cli/commands/'))).toEqual(['cli/commands/grade-local.js']);
    expect(gradeLocal.filter((m) => m.startsWith('client/'))).toEqual([]);
  });

  it('server commands do not load the grading stack (run-action tells a few error classes apart, from small modules)', async () => {
    const loaded = await loadedBy(['whoami', '--help']);
    expect(loaded.filter((m) => /^(grader\/|sandbox\/(oci|docker)\/|image\/(sources\/|image-store|rootfs-cache|unpack-layer)|toolkit\/(grade-local|inspect|store-sandbox))/.test(m))).toEqual([]);
    expect(loaded).toContain('cli/commands/whoami.js');
  });
});
