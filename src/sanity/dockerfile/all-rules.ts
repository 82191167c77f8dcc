import { addInsteadOfCopy, addUrl } from './rules/add-source.ts';
import { aptListsKept, aptNoYes, aptRecommends } from './rules/apt.ts';
import { unpinnedBase, ubuntuBase } from './rules/base-image.ts';
import { relativeDestinationAfterWorkdir, relativeDestinationNoWorkdir } from './rules/copy-destination.ts';
import { argumentsLost, cmdOnly, gradescopeEntrypoint, missingEntrypoint, redefinedEntrypoint, shellEntrypoint } from './rules/entrypoint.ts';
import { gradescopeRun, gradescopeUser, runAutograderMissing, setupNotRun, shadowedByRun } from './rules/gradescope.ts';
import { heredocNeedsBuildKit, unterminatedHeredoc } from './rules/heredoc.ts';
import { relativeCommandPath } from './rules/relative-command.ts';
import { envKept, envOverridden, exposeIgnored, onbuildInert, runOptionsIgnored, volumeIgnored } from './rules/runtime-instructions.ts';
import { keyInImage, secretInArg, secretInEnv } from './rules/secrets.ts';
import { beforeFrom, duplicateStage, missingArguments, noFrom, notText, unknownInstruction } from './rules/structure.ts';
import { noUser, otherUid, rootUser } from './rules/user.ts';
import type { LintRule } from './finding.ts';

/** Every Dockerfile rule, in id order; docs/sanity.md has one row per entry (a test keeps them in step). */
export const ALL_RULES: readonly LintRule[] = [
  notText, noFrom, unknownInstruction, beforeFrom, missingArguments, duplicateStage, unterminatedHeredoc, heredocNeedsBuildKit,
  ubuntuBase, unpinnedBase,
  relativeDestinationNoWorkdir, relativeDestinationAfterWorkdir, addUrl, addInsteadOfCopy,
  missingEntrypoint, redefinedEntrypoint, shellEntrypoint, argumentsLost, cmdOnly, gradescopeEntrypoint, relativeCommandPath,
  rootUser, noUser, otherUid,
  exposeIgnored, volumeIgnored, envKept, envOverridden, runOptionsIgnored, onbuildInert,
  secretInEnv, secretInArg, keyInImage,
  aptListsKept, aptNoYes, aptRecommends,
  gradescopeRun, runAutograderMissing, setupNotRun, shadowedByRun, gradescopeUser,
];
