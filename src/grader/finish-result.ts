/**
 * The last step of a grading: the protocol reads the run's outcome, the result limits apply, and
 * the run's facts are added. Pure, so that it can run on any thread (see grade-stored.ts).
 */
import type { RunOutcome, RunUser } from '../sandbox/sandbox.ts';
import { protocolByName } from './detect-protocol.ts';
import type { GradeResult } from './grade-result.ts';
import type { AssignmentInfo, Interpretation } from './protocol.ts';
import { limitInterpretation } from './result-limits.ts';

/** What reading an outcome needs besides the outcome: plain data, so it can cross to a worker thread. */
export interface FinishContext {
  base: Pick<GradeResult, 'protocol' | 'image' | 'limits'>;
  /** Who the grader ran as inside the sandbox. */
  user: RunUser;
  assignment?: AssignmentInfo;
}

/** The normalized, capped result of a finished run. */
export function finishResult(outcome: RunOutcome, context: FinishContext): GradeResult {
  const { base, assignment, user } = context;
  const verdict = protocolByName(base.protocol).interpret(outcome, { limits: base.limits, ...(assignment !== undefined ? { assignment } : {}) });
  return assemble(limitInterpretation(verdict), outcome, base, user);
}

function assemble(verdict: Interpretation, outcome: RunOutcome, base: FinishContext['base'], user: RunUser): GradeResult {
  const { outputVisibility, leaderboard, extraData, ...fields } = verdict;
  const result: GradeResult = {
    ...base,
    ...fields,
    output: {
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      visibleToStudents: outputVisibility.value === 'visible',
      ...(outputVisibility.explicit ? { visibility: outputVisibility.value } : {}),
    },
    run: { ...outcome.usage, reason: outcome.reason, exitCode: outcome.exitCode, signal: outcome.signal, user },
  };
  if (leaderboard !== undefined) result.leaderboard = leaderboard;
  if (extraData !== undefined) result.extraData = extraData;
  if (outcome.keptAt !== undefined) result.keptAt = outcome.keptAt;
  return result;
}
