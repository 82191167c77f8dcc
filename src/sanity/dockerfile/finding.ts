import type { DockerfileModel } from './dockerfile-model.ts';

/** How much a finding matters: `error` fails `gradebox sanity` (exit 1), the others only inform. */
export type Severity = 'error' | 'warning' | 'info';

/** One problem found in a Dockerfile. */
export interface Finding {
  /** Rule id, e.g. `GB020` (docs/sanity.md lists them all). */
  rule: string;
  /** 1-based line of the instruction (or of the argument within it) at fault. */
  line: number;
  severity: Severity;
  message: string;
  /** How to fix it, in one line. */
  fix: string;
}

/** What a rule reports; the rule supplies its id and severity, and a default fix. */
export interface Hit {
  line: number;
  message: string;
  fix?: string;
}

/**
 * A lint rule: one id, one severity (so docs/sanity.md can list it in one row), a check over the
 * parsed Dockerfile. Rules never throw on odd input; a rule that cannot tell stays silent.
 */
export interface LintRule {
  id: string;
  severity: Severity;
  /** What the rule looks for, for docs and `--help`. */
  title: string;
  /** The usual fix; a hit may give a more precise one. */
  fix: string;
  check(file: DockerfileModel): Hit[];
}

export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };
