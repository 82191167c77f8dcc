import { readFile, stat } from 'node:fs/promises';
import { ALL_RULES } from './all-rules.ts';
import { parseDockerfile } from './dockerfile-model.ts';
import { SEVERITY_ORDER, type Finding, type LintRule } from './finding.ts';
import { withoutIgnored } from './ignore-comments.ts';
import { notText } from './rules/structure.ts';

/** Dockerfiles are small; anything bigger is not one (and is not read whole into a parser). */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/**
 * Lints a Dockerfile's bytes (or text) with every rule and returns the findings sorted by line,
 * then severity. Never throws on bad input: binary or oversized content is one GB000 finding,
 * garbage text gives structure findings (no FROM, unknown instruction).
 */
export function lintDockerfile(content: string | Uint8Array, rules: readonly LintRule[] = ALL_RULES): Finding[] {
  const text = typeof content === 'string' ? content : decode(content);
  if (typeof text !== 'string') return [text];
  const file = parseDockerfile(text.replace(/^\uFEFF/, ''));
  const findings = rules.flatMap((rule) => rule.check(file).map((hit): Finding => ({
    rule: rule.id, line: hit.line, severity: rule.severity, message: hit.message, fix: hit.fix ?? rule.fix,
  })));
  return withoutIgnored(findings, file).sort((a, b) =>
    a.line - b.line || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.rule.localeCompare(b.rule));
}

/**
 * Lints the Dockerfile at `path`; the caller makes sure it is a regular file. One too big to be a
 * Dockerfile is reported (GB000) without being read.
 */
export async function lintDockerfileFile(path: string): Promise<Finding[]> {
  const { size } = await stat(path);
  if (size > MAX_DOCKERFILE_BYTES) return [notADockerfile(`${size} bytes, over the ${MAX_DOCKERFILE_BYTES}-byte limit`)];
  return lintDockerfile(await readFile(path));
}

/** The text of `bytes`, or the GB000 finding saying why it is not a Dockerfile. */
function decode(bytes: Uint8Array): string | Finding {
  if (bytes.length > MAX_DOCKERFILE_BYTES) return notADockerfile(`${bytes.length} bytes, over the ${MAX_DOCKERFILE_BYTES}-byte limit`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return notADockerfile(`binary data (a NUL byte at offset ${nul})`, lineAt(bytes, nul));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return notADockerfile('the file is not UTF-8 text');
  }
}

function notADockerfile(why: string, line = 1): Finding {
  return { rule: notText.id, line, severity: notText.severity, message: `not a Dockerfile: ${why}`, fix: notText.fix };
}

/** 1-based line of a byte offset. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
