import { Command } from 'commander';
import type { ImageDirEntry } from '../../image/layer-view.ts';
import {
  formatMtime, humanSize, listImagePath, modeString, openImageFiles, readOwnerNames, type OwnerNames,
} from '../../toolkit/image-files.ts';
import { ExitCode } from '../exit-codes.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface LsFlags {
  long?: boolean;
  all?: boolean;
  numericIds?: boolean;
  human?: boolean;
  json?: boolean;
}

/** `gradebox ls IMAGE [DIR]`: list a directory of an image from its layers, without running anything. */
export function lsCommand(): Command {
  return new Command('ls')
    .description("List a directory of an image, read straight from its layers (whiteouts applied): no container, no runtime needed")
    .argument('<image>', 'docker save tarball, OCI layout (dir or tar), or an image name in the local Docker daemon')
    .argument('[dir]', 'path inside the image; relative paths start at /', '/')
    .option('-l, --long', 'show mode, owner, group, size, modification time (UTC) and symlink targets')
    .option('-a, --all', "include names starting with '.'")
    .option('-n, --numeric-ids', "show owner and group as numbers (default: names from the image's /etc/passwd and /etc/group)")
    .option('--human', 'with -l: sizes in K, M, G')
    .option('--json', 'print {image, id, path, directory, entries[]} as JSON on stdout (every field, whatever -l says)')
    .addHelpText('after', `
DIR is followed through symlinks inside the image (absolute targets from the image root). A
directory lists its children sorted by name; a file, or a symlink to a file, lists itself, a
symlink shown with its target as in ls -l.

Examples:
  gradebox ls grader.tar /grader
  gradebox ls grader.tar /etc -la --human
  gradebox ls my-grader:1.0 /usr/bin --json | jq -r '.entries[].name'

Exit codes: 0 listed, 1 no such path in the image (or a symlink loop) or the image cannot be read,
2 usage error.`)
    .action(runAction(async (signal, image: string, dir: string, flags: LsFlags) => {
      if (dir === '') throw new UsageError('DIR is empty; give a path inside the image such as /grader');
      const progress = flags.json ? undefined : progressReporter();
      try {
        const view = await openImageFiles({ image, signal, onProgress: progress?.update });
        progress?.stop();
        const listing = listImagePath(view, dir, { all: flags.all === true });
        const names = flags.long || flags.json ? await readOwnerNames(view) : undefined;
        if (flags.json) {
          const entries = listing.entries.map((entry) => jsonEntry(entry, names));
          process.stdout.write(`${JSON.stringify({ image, id: view.image.id, path: listing.path, directory: listing.directory, entries }, null, 2)}\n`);
        } else if (flags.long) {
          process.stdout.write(longLines(listing.entries, flags.numericIds ? undefined : names, flags.human === true));
        } else {
          process.stdout.write(listing.entries.map((entry) => `${styledName(entry)}\n`).join(''));
        }
        return ExitCode.ok;
      } finally {
        progress?.stop();
      }
    }));
}

function jsonEntry(entry: ImageDirEntry, names: OwnerNames | undefined): Record<string, unknown> {
  return {
    name: entry.name,
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    user: names?.users.get(entry.uid) ?? null,
    group: names?.groups.get(entry.gid) ?? null,
    size: entry.size,
    mtime: entry.mtime.toISOString(),
    linkTarget: entry.linkTarget,
  };
}

/** `ls -l` lines without the link count: columns padded like ls (text left, size right). */
function longLines(entries: ImageDirEntry[], names: OwnerNames | undefined, human: boolean): string {
  const rows = entries.map((entry) => ({
    mode: modeString(entry.type, entry.mode),
    // Names from the image's /etc/passwd and /etc/group: as untrusted as the file names.
    user: safeLine(names?.users.get(entry.uid) ?? String(entry.uid)),
    group: safeLine(names?.groups.get(entry.gid) ?? String(entry.gid)),
    size: human ? humanSize(entry.size) : String(entry.size),
    entry,
  }));
  const width = (pick: (row: (typeof rows)[number]) => string): number => Math.max(0, ...rows.map((row) => pick(row).length));
  const [user, group, size] = [width((r) => r.user), width((r) => r.group), width((r) => r.size)];
  return rows
    .map((row) => {
      const link = row.entry.linkTarget === null ? '' : ` -> ${safeLine(row.entry.linkTarget)}`;
      const when = formatMtime(row.entry.mtime);
      return `${row.mode} ${row.user.padEnd(user)} ${row.group.padEnd(group)} ${row.size.padStart(size)} ${when} ${styledName(row.entry)}${link}\n`;
    })
    .join('');
}

/**
 * A name coloured by type on a terminal (NO_COLOR and pipes stay plain). Names come from the
 * image's layers: control characters, newlines and tabs in them are shown as untrusted-text.ts
 * says (`␛`, `␊`, `␉`), so one entry stays one harmless line; `--json` keeps the exact names.
 */
function styledName(entry: ImageDirEntry): string {
  const name = safeLine(entry.name);
  if (entry.type === 'directory') return paint(['bold', 'blue'], name);
  if (entry.type === 'symlink') return paint('cyan', name);
  return name;
}
