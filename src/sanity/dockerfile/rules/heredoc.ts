import { heredocsOf } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';

/** GB006: a here-document whose closing line never comes swallows the rest of the file. */
export const unterminatedHeredoc: LintRule = {
  id: 'GB006',
  severity: 'error',
  title: 'here-document (<<EOF) never closed',
  fix: 'end the here-document with a line holding only its name (e.g. EOF)',
  check: (file) => file.instructions.flatMap((instruction) => heredocsOf(instruction)
    .filter((heredoc) => heredoc.getDelimiterRange() === null)
    .map((heredoc) => ({
      line: heredoc.getStartRange().start.line + 1,
      message: `here-document <<${heredoc.getName()} is never closed: the rest of the file would be its content`,
      fix: `add a line holding only ${heredoc.getName()} where the here-document ends`,
    }))),
};

/** GB007: here-documents need BuildKit; the legacy builder reads their bodies as instructions. */
export const heredocNeedsBuildKit: LintRule = {
  id: 'GB007',
  severity: 'info',
  title: 'here-documents need BuildKit',
  fix: 'build with BuildKit (Docker 23+, or DOCKER_BUILDKIT=1 with docker-buildx installed)',
  check: (file) => {
    const first = file.instructions.flatMap((i) => heredocsOf(i))[0];
    return first === undefined ? [] : [{
      line: first.getStartRange().start.line + 1,
      message: `here-documents (<<${first.getName()}) need BuildKit; the legacy builder (Debian 12's docker.io 20.10 without buildx) fails with "unknown instruction"`,
    }];
  },
};
