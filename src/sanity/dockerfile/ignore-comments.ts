import type { DockerfileModel } from './dockerfile-model.ts';
import type { Finding } from './finding.ts';

const IGNORE = /^\s*#\s*gradebox-ignore\b[\s:=]*(.*)$/;

/**
 * Drops findings silenced by a `# gradebox-ignore GB030 GB041` comment in the block of comment
 * lines directly above the instruction they are about (like hadolint's `# hadolint ignore=`), for
 * rules with legitimate exceptions, e.g. an ENTRYPOINT inherited from a base image.
 */
export function withoutIgnored(findings: readonly Finding[], file: DockerfileModel): Finding[] {
  return findings.filter((finding) => !ignoredAt(instructionStart(finding.line, file), file).has(finding.rule));
}

/** The 1-based first line of the instruction covering `line` (the line itself when none does). */
function instructionStart(line: number, file: DockerfileModel): number {
  const covering = file.instructions.find((i) => i.getRange().start.line + 1 <= line && line <= i.getRange().end.line + 1);
  return covering === undefined ? line : covering.getRange().start.line + 1;
}

function ignoredAt(line: number, file: DockerfileModel): Set<string> {
  const ids = new Set<string>();
  for (let l = line - 2; l >= 0; l--) {
    const text = file.lines[l] ?? '';
    if (!/^\s*#/.test(text)) break;
    const match = IGNORE.exec(text);
    for (const id of match?.[1]?.match(/GB\d{3}/gi) ?? []) ids.add(id.toUpperCase());
  }
  return ids;
}
