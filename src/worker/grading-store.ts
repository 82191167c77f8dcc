/**
 * What a worker needs from the platform to run a claimed job, and nothing more: the worker knows
 * no courses or roles, only jobs, files and results.
 */
import type { AutogradeEnv } from '../grader/autograde-env.ts';
import type { Protocol } from '../grader/grade-result.ts';
import type { StoredResult } from '../grader/stored-result.ts';
import type { JobPhase, SubmissionFile } from '../platform/model.ts';

/** Everything needed to grade one job, loaded when it is claimed. */
export interface JobContext {
  jobId: string;
  submissionId: string;
  /** Files of the submission; contents are blobs in the server's blob store. */
  files: SubmissionFile[];
  submittedAt: Date;
  login: string;
  displayName: string;
  courseId: string;
  assignmentId: string;
  assignmentTitle: string;
  deadline: Date | null;
  partId: string;
  points: number;
  grader: {
    versionId: string;
    imageId: string;
    protocol: Protocol | null;
    /** root, UID or UID:GID inside the sandbox; null: the protocol's default. */
    runAs: string | null;
    /** `script` graders: the grading script and its arguments. */
    script: { path: string; args: string[] } | null;
    cpus: number;
    memoryMiB: number;
    timeoutSeconds: number;
  };
  /**
   * An assignment's autograde job: CODIO_AUTOGRADE_ENV built from the parts' results (a part's
   * job builds its own from the part). Absent for a part's job.
   */
  autogradeEnv?: AutogradeEnv;
  /** True when a result is already stored (a duplicate delivery): the worker only completes it. */
  hasResult: boolean;
  /**
   * Failures of gradebox itself noted so far for this job (`noteSystemError` calls). The worker
   * gives up after its maximum of them; runs given back by a stopping or dying worker do not count.
   */
  systemErrors: number;
}

export interface GradingStore {
  /** Undefined when the job no longer exists (e.g. its course was removed). */
  loadJob(jobId: string): Promise<JobContext | undefined>;
  /** Records that the job entered a phase, with the time; notifies waiting clients. */
  setPhase(jobId: string, phase: JobPhase): Promise<void>;
  /**
   * Stores the job's result (already encoded: see src/grader/stored-result.ts) once: a second
   * delivery for the same job keeps the first result and returns false. Moves the job to `done`
   * and notifies waiting clients.
   */
  saveResult(jobId: string, result: StoredResult): Promise<boolean>;
  /** Notes a system error (the job will run again) for instructors to see. */
  noteSystemError(jobId: string, attempt: number, error: string): Promise<void>;
}
