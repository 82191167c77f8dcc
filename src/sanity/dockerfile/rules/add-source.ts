import { copyOperands, flagValue, ofKind } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';

const URL = /^(https?|ftp):\/\//i;
const GIT = /^(git@|git:\/\/|ssh:\/\/)|\.git(#.*)?$/i;
// What ADD unpacks: tar, optionally compressed (gzip, bzip2, xz).
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz)$/i;

/** GB022: ADD downloads a URL (or clones a repository) with nothing checking what arrives. */
export const addUrl: LintRule = {
  id: 'GB022',
  severity: 'warning',
  title: 'ADD of a URL without --checksum',
  fix: 'ADD --checksum=sha256:DIGEST URL DEST, or download with RUN curl and verify with sha256sum -c',
  check: (file) => ofKind(file.instructions, 'ADD').flatMap((add) => {
    const operands = copyOperands(add);
    if (operands === undefined || flagValue(add, 'checksum') != null) return [];
    return operands.sources.filter((s) => URL.test(s) || GIT.test(s)).map((source) => ({
      line: operands.line,
      message: `ADD fetches ${source} at build time and trusts whatever it gets: the grader changes when that resource does`,
    }));
  }),
};

/** GB023: ADD of a local file that is not an archive: COPY does the same and says so. */
export const addInsteadOfCopy: LintRule = {
  id: 'GB023',
  severity: 'info',
  title: 'ADD of local files that are not tar archives',
  fix: 'use COPY; keep ADD for tar archives you want unpacked',
  check: (file) => ofKind(file.instructions, 'ADD').flatMap((add) => {
    const operands = copyOperands(add);
    if (operands === undefined) return [];
    const plain = operands.sources.filter((s) => !URL.test(s) && !GIT.test(s) && !ARCHIVE.test(s) && !s.startsWith('<<'));
    return plain.length === 0 ? [] : [{
      line: operands.line,
      message: `ADD ${plain.join(' ')}: ADD also unpacks tar archives and fetches URLs; for plain files COPY is clearer`,
    }];
  }),
};
