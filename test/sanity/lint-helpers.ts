import { lintDockerfile } from '../../src/sanity/dockerfile/lint-dockerfile.ts';
import type { Finding } from '../../src/sanity/dockerfile/finding.ts';

/** A Dockerfile from lines (so line numbers in tests are easy to count). */
export function dockerfile(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The 1-based lines where `rule` fires on `text`. */
export function linesOf(rule: string, text: string | Uint8Array): number[] {
  return lintDockerfile(text).filter((f) => f.rule === rule).map((f) => f.line);
}

/** The findings of one rule. */
export function findingsOf(rule: string, text: string | Uint8Array): Finding[] {
  return lintDockerfile(text).filter((f) => f.rule === rule);
}

/** `[line, rule]` pairs of every finding, in report order. */
export function summary(text: string | Uint8Array): [number, string][] {
  return lintDockerfile(text).map((f) => [f.line, f.rule]);
}

/** A minimal clean Coursera grader: no findings at all. Tests add one mistake to it. */
export const CLEAN = [
  'FROM python:3.12-slim',
  'RUN useradd --uid 1000 --create-home grader',
  'COPY grader/ /grader/',
  'USER 1000',
  'ENTRYPOINT ["/grader/run.sh"]',
];
