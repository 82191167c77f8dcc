/**
 * bin/gradebox.js, the launcher: on the system's older Node it runs itself again on the pinned
 * Node 24 (exit codes and signals passed through); with no pinned Node it says in one line what
 * to install (exit 3), never a stack trace; and any old Node can parse it.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, startCli } from '../support/run-cli.ts';

const SYSTEM_NODE = '/usr/bin/node';
const systemMajor = existsSync(SYSTEM_NODE) ? Number(execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) : NaN;
/** Tests that need a Node older than 24 on the system (Debian 12's is 20). */
const withOldNode = systemMajor < 24 ? it : it.skip;
const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
/** A copy of bin/ with no node_modules and no dist/ anywhere above it. */
let lonelyBin: string;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-launcher-'));
  await cp(join(REPO_ROOT, 'bin'), join(work, 'bin'), { recursive: true });
  lonelyBin = join(work, 'bin', 'gradebox.js');
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('on the pinned Node', () => {
  it('--version and --help', async () => {
    expect(await runCli(['--version'], { env: cliEnv({}) })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await runCli(['--help'], { env: cliEnv({}) })).stdout).toMatch(/^Usage: gradebox \[options\] \[command\]/);
  });

  it('keeps the compile cache in the user\'s cache folder, never in the shared temporary folder', async () => {
    const tmp = join(work, 'tmp');
    await mkdir(tmp);
    expect((await runCli(['--version'], { env: cliEnv({ TMPDIR: tmp, XDG_CACHE_HOME: join(work, 'cache'), NODE_COMPILE_CACHE: undefined }) })).code).toBe(0);
    expect(await readdir(tmp)).toEqual([]);
    expect((await readdir(join(work, 'cache', 'gradebox', 'compile-cache'))).length).toBe(1);
  });

  it('without dist/: one line saying to build, exit 3', async () => {
    const result = await runCli(['--version'], { env: cliEnv({}), command: [process.execPath, lonelyBin] });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`gradebox: the compiled CLI is missing (${join(work, 'dist', 'cli', 'main.js')}): run "npm run build" in ${work}\n`);
  });
});

describe(`on the system's Node (${SYSTEM_NODE}, ${Number.isNaN(systemMajor) ? 'absent' : `major ${systemMajor}`})`, () => {
  withOldNode('runs itself again on the pinned Node: same output, same exit codes', async () => {
    const command = [SYSTEM_NODE, GRADEBOX_BIN];
    expect(await runCli(['--version'], { env: cliEnv({}), command })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    const usage = await runCli(['grade', 'local'], { env: cliEnv({}), command });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: missing required argument 'image'/);
  });

  withOldNode('with no pinned Node: one line saying what to install, exit 3, no stack trace', async () => {
    const result = await runCli(['grade', 'local', 'x', 'y'], { env: cliEnv({}), command: [SYSTEM_NODE, lonelyBin] });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(new RegExp(`^gradebox: needs Node\\.js 24 or newer, but this is Node\\.js ${systemMajor}\\.\\d+\\.\\d+ \\(${SYSTEM_NODE}\\): run "npm ci" in ${work} \\(it brings the pinned Node\\.js 24\\), or install Node\\.js 24\\n$`));
    expect(result.stderr).not.toMatch(/SyntaxError|\n\s+at /);
  });

  withOldNode('a pinned Node that is too old as well does not loop', async () => {
    const result = await runCli(['--version'], { env: cliEnv({ GRADEBOX_REEXEC_NODE: '1' }), command: [SYSTEM_NODE, GRADEBOX_BIN] });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^gradebox: needs Node\.js 24 or newer/);
  });

  withOldNode('SIGTERM to the launcher reaches the command: serve stops cleanly', async () => {
    const running = startCli(['serve', '--data', join(work, 'server'), '--port', '0', '--workers', '0', '--json'], {
      env: cliEnv({ GRADEBOX_HOME: join(work, 'home') }), command: [SYSTEM_NODE, GRADEBOX_BIN],
    });
    await new Promise<void>((resolve) => {
      running.child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"url"')) resolve();
      });
    });
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('the launcher parses on old Node versions', () => {
  it('no syntax newer than ES2019 (Node 12), besides import(), which Node 10+ parses', async () => {
    const source = ts.createSourceFile('gradebox.js', await readFile(GRADEBOX_BIN, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const newer: string[] = [];
    const visit = (node: ts.Node): void => {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      if (ts.isOptionalChain(node)) newer.push(`line ${line}: optional chaining (ES2020)`);
      if (ts.isBinaryExpression(node) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken].includes(node.operatorToken.kind)) newer.push(`line ${line}: ${node.operatorToken.getText()} (ES2020+)`);
      if (ts.isBigIntLiteral(node)) newer.push(`line ${line}: BigInt literal (ES2020)`);
      if (ts.isNumericLiteral(node) && node.getText().includes('_')) newer.push(`line ${line}: numeric separator (ES2021)`);
      if (ts.isPrivateIdentifier(node) || ts.isClassStaticBlockDeclaration(node) || (ts.isPropertyDeclaration(node) && ts.isClassLike(node.parent))) newer.push(`line ${line}: class fields (ES2022)`);
      if (ts.isAwaitExpression(node) && !ts.findAncestor(node, ts.isFunctionLike)) newer.push(`line ${line}: top-level await (ES2022)`);
      if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) newer.push(`line ${line}: import.meta (modules only)`);
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isExportAssignment(node)) newer.push(`line ${line}: ES module syntax (CommonJS expected)`);
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect(newer).toEqual([]);
    // CommonJS whatever the package's "type", so old Nodes never treat it as a module.
    expect(JSON.parse(await readFile(join(REPO_ROOT, 'bin', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  withOldNode('and the system Node compiles it', () => {
    expect(() => execFileSync(SYSTEM_NODE, ['--check', GRADEBOX_BIN])).not.toThrow();
  });
});
