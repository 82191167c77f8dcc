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
  /** `runAs`: root, UID or UID:GID inside the sandbox, null for the protocol's default. */
  grader: { protocol: Protocol | null; runAs: string | null; cpus: number; memoryMiB: number; timeoutSeconds: number };
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
    limits: { cpus: grader.cpus, memoryMiB: grader.memoryMiB, timeoutSeconds: grader.timeoutSeconds },
  };
}
