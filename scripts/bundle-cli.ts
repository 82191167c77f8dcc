/**
 * Bundles the compiled CLI (dist/, from tsc) into dist/bundle/, which bin/gradebox.js runs when it
 * is there and not older than dist/cli/main.js. Why: a command used to load ~100 of gradebox's own
 * modules one by one (`grade local`), and Node's loader pays for each (resolve, stat, read, link)
 * even with the compile cache; the bundle has the same code in a few files.
 *
 * What stays as it was:
 * - Lazy loading. main.js and `startup` hold what every command loads (main, the command index);
 *   a command's modules come in chunks that load only when it runs (see namedChunks), and each
 *   module runs only when imported, as unbundled (strictExecutionOrder). No module is in two
 *   chunks (one class, one `instanceof`). dist/bundle/modules.json lists each chunk's modules
 *   (for tests, and for whoever reads a stack trace: the bundle has no source maps).
 * - Packages (node_modules) and Node's builtins are imported as before, not bundled, but for
 *   commander (plain CommonJS, read by every command).
 * - `import.meta.url` still names the module's own file in dist/ (version.ts reads
 *   ../package.json from it, script-assets.ts the assets folder, thread entries are its siblings):
 *   worker threads run the unbundled dist/ modules.
 * - The tsc output stays whole: tests, worker threads and a stale bundle's fallback use it.
 *
 * Bundles with rolldown (which vitest brings in); without it, says so and leaves no bundle: the CLI
 * then runs unbundled, only slower to start.
 *
 * Usage: node scripts/bundle-cli.ts [DIST_DIR]   (default: this checkout's dist/, built by tsc)
 */
import { existsSync, readdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'dist'));
const entry = join(dist, 'cli', 'main.js');
const out = join(dist, 'bundle');
// Written beside the bundle, then swapped in: a CLI starting meanwhile runs the old bundle, the
// new one, or (between the two renames' worth of time) the unbundled dist/.
const staging = join(dist, `bundle.tmp-${process.pid}`);
// Computed from the module graph when rolldown first asks (see namedChunks).
let chunks: Map<string, string> | undefined;

if (!existsSync(entry)) fail(`${entry} is missing: build with tsc first (npx tsc -p tsconfig.json)`);
let rolldown: typeof import('rolldown').rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch {
  process.stderr.write('gradebox bundle: rolldown is not installed (it comes with the dev dependencies): no bundle, the CLI runs unbundled (slower start)\n');
  await rm(out, { recursive: true, force: true });
  process.exit(0);
}

// The default seccomp program, compiled by this build's own compiler for this machine, so that a
// CLI process does not compile it again (~5 ms): bundled into seccomp-bpf.js as its cache, which
// it recompiles for another architecture. A stale bundle is never run (bin/gradebox.js), so it
// cannot hold a program of another build.
const seccompModule = join(dist, 'sandbox', 'seccomp-bpf.js');
const seccomp = await import(pathToFileURL(seccompModule).href) as typeof import('../src/sandbox/seccomp-bpf.ts');
const seccompCache = `let cached = ${JSON.stringify({ arch: process.arch, base64: seccomp.defaultSeccompBpf(), digest: seccomp.defaultSeccompBpfDigest() })};`;

const bundle = await rolldown({
  input: { main: entry },
  platform: 'node',
  // What codeSplitting's includeDependenciesRecursively: false needs (main.js exports nothing anyway).
  preserveEntrySignatures: 'allow-extension',
  // Relative imports are gradebox's own modules; the rest (packages, node: builtins) stay imports,
  // but for commander, which every command loads (8 files of plain CommonJS, nothing read beside them).
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && id !== 'commander',
  plugins: [{
    name: 'gradebox-modules',
    transform(code, id) {
      if (id === seccompModule) {
        const declaration = /^let cached;$/m;
        if (!declaration.test(code)) throw new Error(`${id}: no "let cached;" to fill with the compiled seccomp program`);
        code = code.replace(declaration, seccompCache);
      }
      // The chunk's folder is not the module's: such a path would point into dist/bundle/.
      if (id.startsWith(dist) && /import\.meta\.(dirname|filename)/.test(code)) {
        throw new Error(`${id}: import.meta.dirname and import.meta.filename cannot be bundled; derive paths from import.meta.url`);
      }
      // Only gradebox's own modules: rolldown's runtime (`require` for CommonJS) means the chunk's.
      if (!id.startsWith(dist) || !code.includes('import.meta.url')) return id === seccompModule ? code : null;
      // Every chunk lands in `out`, so the module's own file is at this path from any of them.
      const own = JSON.stringify(relative(out, id));
      return code.replaceAll('import.meta.url', `new URL(${own}, import.meta.url).href`);
    },
  }],
  onLog(level, log, handler) {
    // A circular import between gradebox's modules is fine in ESM, as it was unbundled.
    // A module both imported and dynamically imported is fine too: it runs when first needed either way.
    if (log.code === 'CIRCULAR_DEPENDENCY' || log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
});
// A staging folder left by an earlier bundling that died half-way.
for (const name of readdirSync(dist)) if (name.startsWith('bundle.tmp-')) await rm(join(dist, name), { recursive: true, force: true });
const { output } = await bundle.write({
  dir: staging,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  // Each named chunk holds exactly its modules (their imports go where they belong).
  codeSplitting: { includeDependenciesRecursively: false, groups: [{ debugName: 'named chunks', name: (id, graph) => (chunks ??= namedChunks(graph)).get(id) ?? null }] },
  strictExecutionOrder: true,
  // Names as in the sources (a class's name shows in messages and stack traces).
  keepNames: true,
  sourcemap: false,
});
await bundle.close();

const modules: Record<string, string[]> = {};
for (const chunk of output) {
  if (chunk.type === 'chunk') modules[chunk.fileName] = chunk.moduleIds.filter((id) => id.startsWith(dist)).map((id) => relative(dist, id));
}
await writeFile(join(staging, 'modules.json'), `${JSON.stringify(modules, null, 1)}\n`);
await rm(out, { recursive: true, force: true });
await rename(staging, out);
process.stderr.write(`gradebox bundle: ${Object.keys(modules).length} files in ${relative(process.cwd(), out) || out}\n`);

interface ModuleGraph {
  getModuleInfo(id: string): { importedIds: readonly string[]; dynamicallyImportedIds: readonly string[] } | null;
}

/**
 * Which chunk gradebox's modules go to, by name; modules not named are split as rolldown does, by
 * which commands need them. Rolldown alone gives `grade local` ~35 small chunks; with these it
 * loads main.js, `startup`, `shared`, `grading`, its own and ~10 small ones it shares with some
 * server commands (16 files):
 * - `startup`: what main.js imports (the launcher's part, for every command), commander included;
 * - `shared`: what the action wrapper (run-action.ts) imports, which every command runs;
 * - `grading`: what `grade local` needs besides, unless a server command (one that neither runs a
 *   sandbox nor reads images: `whoami`, `submit`…) needs it too.
 * So no server command loads the grading stack, and no command another's command module. A
 * command that needs part of a chunk loads it all (`inspect`, `ls`… load `grading`), but
 * strictExecutionOrder wraps each module so that it runs only when it is imported, as unbundled,
 * and these chunks import no package that `grade local` did not (commander only).
 */
function namedChunks(graph: ModuleGraph): Map<string, string> {
  const closure = (from: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (id: string): void => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const next of graph.getModuleInfo(id)?.importedIds ?? []) visit(next);
    };
    visit(from);
    return seen;
  };
  // Command modules keep chunks of their own: a command never loads another's.
  const commandsDir = join(dist, 'cli', 'commands');
  const own = (id: string): boolean => id.startsWith(dist) && !id.startsWith(commandsDir);
  const main = closure(entry);
  const commands = (graph.getModuleInfo(join(dist, 'cli', 'command-index.js'))?.dynamicallyImportedIds ?? []).map(closure);
  const grades = [join(dist, 'sandbox', 'open-sandbox.js'), join(dist, 'image', 'image-store.js')];
  const server = new Set(commands.filter((modules) => !grades.some((id) => modules.has(id))).flatMap((modules) => [...modules]));
  const named = new Map<string, string>();
  for (const id of main) if ((own(id) || id.includes('/node_modules/commander/')) && id !== entry) named.set(id, 'startup');
  const shared = closure(join(dist, 'cli', 'run-action.js'));
  for (const id of closure(join(dist, 'cli', 'commands', 'grade-local.js'))) {
    if (!own(id) || main.has(id)) continue;
    if (shared.has(id)) named.set(id, 'shared');
    else if (!server.has(id)) named.set(id, 'grading');
  }
  return named;
}

function fail(message: string): never {
  process.stderr.write(`gradebox bundle: ${message}\n`);
  process.exit(1);
}
