/**
 * The CLI's bundle (scripts/bundle-cli.ts → dist/bundle/), built here into a copy of this
 * checkout's dist/: bin/gradebox.js runs it, and it does what the unbundled CLI does (same output,
 * a real grading), loads a command's modules only, keeps `import.meta.url` naming the modules'
 * own files in dist/, holds the seccomp program compiled, and is left alone when it is older than
 * dist/ or missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { removeLiveStateDir } from '../../src/sandbox/oci/live-dir.ts';
import { defaultSeccompBpf } from '../../src/sandbox/seccomp-bpf.ts';
import { sandboxStateDir } from '../../src/toolkit/gradebox-home.ts';
import { assertBuildIsFresh, bundledModules, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';

let work: string;
let dist: string;
let home: string;
let hook: string;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-bundle-'));
  dist = join(work, 'dist');
  home = join(work, 'home');
  await mkdir(home);
  // A checkout of its own: the bundle finds package.json, assets and packages where dist/ does.
  await cp(join(REPO_ROOT, 'dist'), dist, { recursive: true, filter: (path) => !path.startsWith(join(REPO_ROOT, 'dist', 'bundle')) });
  await cp(join(REPO_ROOT, 'bin'), join(work, 'bin'), { recursive: true });
  await cp(join(REPO_ROOT, 'package.json'), join(work, 'package.json'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
  await symlink(join(REPO_ROOT, 'assets'), join(work, 'assets'));
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle-cli.ts'), dist], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Lists the modules of dist/ as they load, on stderr at exit.
  hook = join(work, 'list-modules.mjs');
  await writeFile(hook, [
    "import { registerHooks } from 'node:module';",
    'const loaded = [];',
    "registerHooks({ load(url, context, next) { if (url.includes('/dist/')) loaded.push(url.replace(/^.*\\/dist\\//, '')); return next(url, context); } });",
    "process.on('exit', () => process.stderr.write(`\\nloaded: ${loaded.join(' ')}\\n`));",
  ].join('\n'));
}, 60_000);
afterAll(async () => {
  if (work === undefined) return;
  await removeLiveStateDir(sandboxStateDir(home));
  await rm(work, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', XDG_CACHE_HOME: join(work, 'cache') });
/** `gradebox args…` through the copy's launcher (the bundle, when it is used). */
const bundled = (args: string[]): Promise<CliResult> => runCli(args, { env: env(), command: [process.execPath, join(work, 'bin', 'gradebox.js')] });
/** The same with the unbundled CLI, dist/cli/main.js. */
const unbundled = (args: string[]): Promise<CliResult> => runCli(args, { env: env(), command: [process.execPath, join(dist, 'cli', 'main.js')] });
/** The modules of dist/ that the launcher loads for `args` (every module of a bundle file it loads). */
async function loadedBy(args: string[]): Promise<{ files: string[]; modules: string[] }> {
  const result = await runCli(args, { env: env(), command: [process.execPath, '--import', hook, join(work, 'bin', 'gradebox.js')] });
  const files = /\nloaded: (.*)\n$/.exec(result.stderr)?.[1]?.split(' ') ?? [];
  return { files, modules: bundledModules(files, dist) };
}
/** The dist/ modules whose sources use `import.meta.url` (in src/, compiled to the same relative path). */
function modulesUsingOwnUrl(): string[] {
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const found = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
    (path) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path) && readFileSync(join(src, path), 'utf8').includes('import.meta.url'),
  );
  return found.map((path) => path.replace(/\.tsx?$/, '.js')).sort();
}
const chunks = (): Record<string, string[]> => JSON.parse(readFileSync(join(dist, 'bundle', 'modules.json'), 'utf8')) as Record<string, string[]>;

describe('the bundle', () => {
  it('holds every module it bundles once, main.js the CLI\'s entry', () => {
    const all = Object.values(chunks()).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(chunks()['main.js']).toContain('cli/main.js');
    expect(all).toContain('cli/commands/grade-local.js');
  });

  it('keeps import.meta.url naming the module\'s own file in dist/ (version, assets, thread entries)', () => {
    const bundleDir = join(dist, 'bundle');
    const named: string[] = [];
    for (const file of readdirSync(bundleDir).filter((name) => name.endsWith('.js'))) {
      const code = readFileSync(join(bundleDir, file), 'utf8');
      const rewritten = [...code.matchAll(/new URL\(("[^"]+"), import\.meta\.url\)/g)].map((match) => JSON.parse(match[1] ?? '""') as string);
      // Besides these, only rolldown's runtime may use the chunk's own URL (`require` for commander).
      const own = code.includes('createRequire(import.meta.url)') ? 1 : 0;
      expect(code.split('import.meta.url').length - 1 - own, file).toBe(rewritten.length);
      named.push(...rewritten.map((path) => resolve(bundleDir, path)));
    }
    // Every use in gradebox's own sources, and nothing else (src/ is the list's one source).
    expect([...new Set(named.map((path) => path.slice(dist.length + 1)))].sort()).toEqual(modulesUsingOwnUrl());
    for (const path of named) expect(existsSync(path), path).toBe(true);
    // What script-assets.ts resolves from its URL: the checkout's assets folder.
    expect(existsSync(fileURLToPath(new URL('../../../assets/codio/', pathToFileURL(join(dist, 'grader', 'protocols', 'script-assets.js')))))).toBe(true);
  });

  it('starts with the default seccomp program compiled, the same as the sandbox compiles', () => {
    const program = defaultSeccompBpf();
    expect(program).toBeDefined();
    const holding = readdirSync(join(dist, 'bundle')).filter((name) => readFileSync(join(dist, 'bundle', name), 'utf8').includes(JSON.stringify(program)));
    expect(holding).toHaveLength(1);
    expect(chunks()[holding[0] ?? '']).toContain('sandbox/seccomp-bpf.js');
  });

  it('is what the launcher runs, with the same output as the unbundled CLI', async () => {
    expect((await loadedBy(['--version'])).files[0]).toBe('bundle/main.js');
    for (const args of [['--version'], ['--help'], ['grade', 'local', '--help'], ['whoami', '--help'], ['serve', '--help'], ['no-such-command'], ['ls', '--no-such-option', 'x']]) {
      const [viaBundle, direct] = await Promise.all([bundled(args), unbundled(args)]);
      expect({ code: viaBundle.code, stdout: viaBundle.stdout, stderr: viaBundle.stderr }, args.join(' ')).toEqual({ code: direct.code, stdout: direct.stdout, stderr: direct.stderr });
    }
  });

  it('loads a command\'s modules only: none for --help, no server client for grade local, no grading stack for whoami', async () => {
    expect((await loadedBy(['--help'])).modules.filter((m) => m.startsWith('cli/commands/'))).toEqual([]);
    const gradeLocal = (await loadedBy(['grade', 'local', '--help'])).modules;
    expect(gradeLocal.filter((m) => m.startsWith('cli/commands/'))).toEqual(['cli/commands/grade-local.js']);
    expect(gradeLocal.filter((m) => m.startsWith('client/'))).toEqual([]);
    const whoami = (await loadedBy(['whoami', '--help'])).modules;
    expect(whoami.filter((m) => /^(grader\/|sandbox\/(oci|docker)\/|image\/(sources\/|image-store|rootfs-cache|unpack-layer)|toolkit\/(grade-local|inspect|store-sandbox))/.test(m))).toEqual([]);
    expect(whoami.filter((m) => m.startsWith('cli/commands/'))).toEqual(['cli/commands/whoami.js']);
  });

  it('grades as the unbundled CLI does (a real sandbox run)', async () => {
    const submission = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'sums', 'good');
    const args = ['grade', 'local', testImage('echo-busybox'), submission, '--json'];
    const viaBundle = await bundled(args);
    expect(viaBundle.code, viaBundle.stderr).toBe(0);
    const direct = await unbundled(args);
    expect(direct.code, direct.stderr).toBe(0);
    const pick = (result: CliResult): Partial<GradeResult> => {
      const { status, score, feedback, protocol } = JSON.parse(result.stdout) as GradeResult;
      return { status, score, feedback, protocol };
    };
    expect(pick(viaBundle)).toEqual(pick(direct));
    expect(pick(viaBundle).status).toBe('graded');
  }, 60_000);

  it('grades an image already stored without loading node:crypto (~8 ms of a one-shot command)', async () => {
    const submission = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'sums', 'good');
    const args = ['grade', 'local', testImage('echo-busybox'), submission, '--json'];
    const probe = join(work, 'crypto-probe.cjs');
    await writeFile(probe, "process.on('exit', () => process.stderr.write(`\\ncrypto loaded: ${process.moduleLoadList.includes('NativeModule crypto')}\\n`));\n");
    const probed = (): Promise<CliResult> => runCli(args, { env: env(), command: [process.execPath, '--require', probe, join(work, 'bin', 'gradebox.js')] });
    // The first grading may store the image (hashing its blobs) and the state directory's tag.
    expect((await probed()).code).toBe(0);
    const again = await probed();
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as GradeResult).status).toBe('graded');
    expect(again.stderr).toContain('crypto loaded: false');
  }, 60_000);

  it('is not run when older than dist/ (tsc ran since), nor when missing: the unbundled CLI runs', async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dist, 'cli', 'main.js'), later, later);
    const stale = await loadedBy(['--version']);
    expect(stale.files[0]).toBe('cli/main.js');
    expect(stale.files.filter((f) => f.startsWith('bundle/'))).toEqual([]);
    await rm(join(dist, 'bundle'), { recursive: true });
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await bundled(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await loadedBy(['--version'])).files[0]).toBe('cli/main.js');
  });
});
