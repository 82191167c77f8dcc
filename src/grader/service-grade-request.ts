import { buildAutogradeEnv, type AutogradeEnv } from './autograde-env.ts';
import type { GradeOptions } from './grade.ts';
import type { Protocol } from './grade-result.ts';
import { parseRunUser } from './run-user.ts';

/** What the grading service knows about one part of a submission, as both workers and `grade remote` have it. */
export interface ServiceGradingFacts {
  partId: string;
  /** The student's login: Coursera's `userId`, Gradescope's `users[0].id`. */
  login: string;
  /** Gradescope's `users[0].name`, when known. */
  displayName?: string;
  submissionId: string;
  submittedAt: Date;
  assignment: { id: string; title: string; deadline: Date | null };
  /** The part's points: Gradescope's `assignment.total_points` for this grader. */
  partPoints: number;
  /** The course, when known: CODIO_AUTOGRADE_ENV's `course.id`. */
  courseId?: string;
  /**
   * `runAs`: root, UID or UID:GID inside the sandbox, null for the protocol's default; `script`:
   * a script grader's script and arguments (absent or null for other protocols).
   */
  /** An assignment's autograde run: CODIO_AUTOGRADE_ENV from every part's result, instead of this part's. */
  autogradeEnv?: AutogradeEnv;
  grader: {
    protocol: Protocol | null;
    runAs: string | null;
    script?: { path: string; args: string[] } | null;
    cpus: number;
    memoryMiB: number;
    timeoutSeconds: number;
  };
}

/**
 * The grade() request fields the service derives from a submission and a grader version. Workers
 * and `gradebox grade remote` both build their requests here, so that a reproduction sees exactly
 * the environment, metadata and limits the production run saw.
 */
export function serviceGradeRequest(facts: ServiceGradingFacts): Omit<GradeOptions, 'image' | 'rootfs'> {
  const { grader } = facts;
  return {
    partId: facts.partId,
    userId: facts.login,
    ...(facts.displayName !== undefined ? { student: { name: facts.displayName } } : {}),
    submission: { id: facts.submissionId, createdAt: facts.submittedAt },
    assignment: {
      id: facts.assignment.id,
      title: facts.assignment.title,
      totalPoints: facts.partPoints,
      ...(facts.assignment.deadline !== null ? { dueDate: facts.assignment.deadline } : {}),
    },
    ...(grader.protocol !== null ? { protocol: grader.protocol } : {}),
    ...(grader.runAs !== null ? { user: parseRunUser(grader.runAs) } : {}),
    ...(grader.script ? { args: grader.script.args, script: { path: grader.script.path, autogradeEnv: JSON.stringify(facts.autogradeEnv ?? serviceAutogradeEnv(facts)) } } : {}),
    limits: { cpus: grader.cpus, memoryMiB: grader.memoryMiB, timeoutSeconds: grader.timeoutSeconds },
  };
}

/**
 * CODIO_AUTOGRADE_ENV for one part graded by a script: that part, not yet graded, the student,
 * and the submission's time as the completion date (a grading of one submission; the assignment's
 * own script, run at completion, builds it from every part's result).
 */
function serviceAutogradeEnv(facts: ServiceGradingFacts): AutogradeEnv {
  return buildAutogradeEnv({
    parts: [{ name: facts.partId, points: facts.partPoints, earned: null }],
    student: { id: facts.login, username: facts.login, fullName: facts.displayName ?? facts.login, email: '' },
    course: { id: facts.courseId ?? '' },
    assignment: { id: facts.assignment.id, name: facts.assignment.title, end: facts.assignment.deadline },
    completedDate: facts.submittedAt,
  });
}
