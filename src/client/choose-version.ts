import type { GraderVersion, PartOutcome } from '../platform/model.ts';
import { PreflightError } from './client-errors.ts';

export interface VersionWanted {
  /** A version id, or its number (`3` or `v3`). */
  version?: string;
  /** The newest draft. */
  draft?: boolean;
}

export interface VersionChoice {
  version: GraderVersion;
  /** `job`: the version that graded the stored result; `published`: the live one, for a part not graded yet. */
  chosenBy: 'job' | 'version option' | 'newest draft' | 'published';
}

/**
 * Picks the grader version to grade a part with: `--version`, else the newest draft with
 * `--draft`, else the version the part's job ran (so the stored result is reproduced), else the
 * published one. `versions` is newest first, as the API lists them.
 */
export function chooseVersion(versions: readonly GraderVersion[], outcome: PartOutcome, wanted: VersionWanted): VersionChoice {
  const part = outcome.partId;
  const asked = askedVersion(versions, part, wanted);
  if (asked !== undefined) return asked;
  const jobVersion = outcome.job?.graderVersionId;
  if (jobVersion !== undefined) {
    const used = versions.find((v) => v.id === jobVersion);
    if (!used) throw new PreflightError(`part ${part} was graded by grader version ${jobVersion}, which the server no longer lists; pick one with --version (${listed(versions)})`);
    return { version: used, chosenBy: 'job' };
  }
  const published = versions.find((v) => v.status === 'published');
  if (!published) throw new PreflightError(`part ${part} has no published grader version; use --draft or --version (its versions: ${listed(versions)})`);
  return { version: published, chosenBy: 'published' };
}

/**
 * The version `--version` names (its id, or its number: `3`, `v3`), else with `--draft` the newest
 * draft, else undefined. PreflightError, listing the part's versions, when there is no such one.
 */
export function askedVersion(versions: readonly GraderVersion[], part: string, wanted: VersionWanted): VersionChoice | undefined {
  if (wanted.version !== undefined) {
    const asked = wanted.version.replace(/^v(?=\d+$)/, '');
    const found = versions.find((v) => v.id === wanted.version || String(v.number) === asked);
    if (!found) throw new PreflightError(`part ${part} has no grader version "${wanted.version}"; its versions: ${listed(versions)}`);
    return { version: found, chosenBy: 'version option' };
  }
  if (wanted.draft) {
    const draft = versions.find((v) => v.status === 'draft');
    if (!draft) throw new PreflightError(`part ${part} has no draft grader version (upload one with \`gradebox upload\`); its versions: ${listed(versions)}`);
    return { version: draft, chosenBy: 'newest draft' };
  }
  return undefined;
}

function listed(versions: readonly GraderVersion[]): string {
  return versions.map((v) => `v${v.number} ${v.status} (${v.id})`).join(', ') || 'none';
}
