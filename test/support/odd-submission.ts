/**
 * Builds a hostile-but-legal submission at test time, because git (and some checkouts) cannot hold
 * it faithfully: symbolic links out of the submission (/etc/shadow), above it (..), to itself, and
 * file names with spaces, a newline, a leading dash, non-ASCII letters and a leading dot.
 *
 * Its `main.sh` (for the run-submission grader) lists what it sees and tries to read through the
 * links; the sandbox must copy the links as links, so they resolve inside the container, never on
 * the host.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ODD_NAMES = ['with space.txt', 'new\nline.txt', '-rf', 'ünïcødé-文件.txt', '.hidden', "quote'and\"dquote.txt"] as const;

export const ODD_LINKS = { shadow: '/etc/shadow', up: '..', loop: 'loop' } as const;

const MAIN_SH = `# Lists the submission and tries to read through its links; prints what it sees.
cd /shared/submission || exit 2
for f in ./* ./.[!.]*; do printf 'entry: %s\\n' "$f"; done
printf 'shadow: '; cat ./shadow 2>&1 | head -c 300; echo
printf 'up: '; ls ./up/ 2>&1 | tr '\\n' ' '; echo
printf 'dash: '; cat -- ./-rf; echo
printf 'nested: '; cat ./nested/deep/file.txt; echo
`;

/** Creates the odd submission inside `dir` (which must exist and be empty). */
export async function makeOddSubmission(dir: string): Promise<void> {
  await writeFile(join(dir, 'main.sh'), MAIN_SH);
  for (const name of ODD_NAMES) await writeFile(join(dir, name), `contents of ${JSON.stringify(name)}\n`);
  for (const [name, target] of Object.entries(ODD_LINKS)) await symlink(target, join(dir, name));
  await mkdir(join(dir, 'nested', 'deep'), { recursive: true });
  await writeFile(join(dir, 'nested', 'deep', 'file.txt'), 'deep inside\n');
}
