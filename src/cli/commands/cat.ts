import { Command } from 'commander';
import { pipeline } from 'node:stream/promises';
import { ImagePathError } from '../../image/image-path.ts';
import { openImageFiles, readImageFile } from '../../toolkit/image-files.ts';
import { ExitCode } from '../exit-codes.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { paint } from '../terminal.ts';
import { safeText } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

/** `gradebox cat IMAGE FILE...`: print files of an image from its layers, without running anything. */
export function catCommand(): Command {
  return new Command('cat')
    .description('Print files of an image, read straight from its layers (whiteouts applied): no container, no runtime needed')
    .argument('<image>', 'docker save tarball, OCI layout (dir or tar), or an image name in the local Docker daemon')
    .argument('<file...>', 'paths inside the image; relative paths start at /')
    .addHelpText('after', `
Each FILE is followed through symlinks inside the image (absolute targets from the image root) and
its bytes are copied to stdout unchanged, one file after another, streamed from the layer holding
its final version. There is no --json: the content is the output (use ls --json for metadata).
A FILE that is missing, a directory or a symlink loop is reported on stderr and the others still print.

Examples:
  gradebox cat grader.tar /etc/os-release
  gradebox cat grader.tar /grader/run.sh /grader/tests.json
  gradebox cat my-grader:1.0 /grader/data.bin > data.bin

Exit codes: 0 every file printed, 1 some FILE missing, a directory or a symlink loop, or the image
cannot be read, 2 usage error.`)
    .action(runAction(async (signal, image: string, files: string[]) => {
      if (files.includes('')) throw new UsageError('a FILE is empty; give a path inside the image such as /etc/passwd');
      const progress = progressReporter();
      let view;
      try {
        view = await openImageFiles({ image, signal, onProgress: progress.update });
      } finally {
        progress.stop();
      }
      let failed = false;
      for (const file of files) {
        try {
          await pipeline(await readImageFile(view, file), process.stdout, { end: false, signal });
        } catch (error) {
          // The reader went away (`| head`): stop quietly, as cat does on SIGPIPE.
          if ((error as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.ok;
          if (!(error instanceof ImagePathError)) throw error;
          // The message may quote the image's symlink targets; the files' bytes above stay exact.
          process.stderr.write(`${paint('red', 'error:', process.stderr)} ${safeText(error.message)}\n`);
          failed = true;
        }
      }
      return failed ? ExitCode.graderError /* 1: as documented for a missing path */ : ExitCode.ok;
    }));
}
