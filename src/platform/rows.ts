/** Database rows → the API's objects (src/platform/model.ts). Pure functions. */
import type { Selectable } from 'kysely';
import type { Protocol } from '../grader/grade-result.ts';
import type { JobContext } from '../worker/grading-store.ts';
import type { ApiTokensTable, AssignmentsTable, CompletionsTable, GraderVersionsTable, GradingJobsTable, UsersTable } from '../db/tables.ts';
import type {
  ApiToken, AutogradeGrader, Completion, CompletionHow, GraderProtocol, GraderStatus, GraderVersion, GradeTrigger, GradingJob, GradingWorkflow, JobPhase, JobPriority,
  PartFeedback, Scope, User,
} from './model.ts';

export function userFromRow(row: Selectable<UsersTable>): User {
  return { login: row.login, displayName: row.display_name, isAdmin: row.is_admin === 1, createdAt: row.created_at };
}

export function parseScopes(json: string): Scope[] {
  return JSON.parse(json) as Scope[];
}

export function tokenFromRow(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    parentId: row.parent_id,
  };
}

/** The columns of a grader's row that a part's grader version and an assignment's autograde grader share. */
export type GraderRow = Omit<Selectable<GraderVersionsTable>, 'part_id'>;

/** The columns a grading job's run needs of its grader version (a part's or an autograde script's). */
export type JobGraderColumns = Pick<Selectable<GraderVersionsTable>, 'image_id' | 'protocol' | 'run_as' | 'script_path' | 'script_args' | 'cpus' | 'memory_mib' | 'timeout_seconds'>;

function scriptOf(row: Pick<JobGraderColumns, 'script_path' | 'script_args'>): { path: string; args: string[] } | null {
  return row.script_path === null ? null : { path: row.script_path, args: JSON.parse(row.script_args ?? '[]') as string[] };
}

/** What a worker needs of version `versionId` to run a job with it. */
export function jobGraderFromRow(versionId: string, row: JobGraderColumns): JobContext['grader'] {
  return {
    versionId,
    imageId: row.image_id,
    protocol: row.protocol as Protocol | null,
    runAs: row.run_as,
    script: scriptOf(row),
    cpus: row.cpus,
    memoryMiB: row.memory_mib,
    timeoutSeconds: row.timeout_seconds,
  };
}

/** A grader of either kind from its row (see GraderRow). */
export function graderFromRow(row: GraderRow): AutogradeGrader {
  return {
    id: row.id,
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    number: row.number,
    status: row.status as GraderStatus,
    imageId: row.image_id,
    protocol: row.protocol as GraderProtocol | null,
    runAs: row.run_as,
    script: scriptOf(row),
    cpus: row.cpus,
    memoryMiB: row.memory_mib,
    timeoutSeconds: row.timeout_seconds,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
    publishedBy: row.published_by,
    publishedAt: row.published_at,
  };
}

export function graderVersionFromRow(row: Selectable<GraderVersionsTable>): GraderVersion {
  return { ...graderFromRow(row), partId: row.part_id };
}

/** Each phase and the column holding the time it began. */
export const PHASE_COLUMNS = {
  queued: 'queued_at',
  preparing: 'preparing_at',
  running: 'running_at',
  reporting: 'reporting_at',
  done: 'done_at',
} as const satisfies Record<JobPhase, keyof GradingJobsTable>;

export function jobFromRow(row: Selectable<GradingJobsTable>): GradingJob {
  const phases: Partial<Record<JobPhase, string>> = {};
  for (const [phase, column] of Object.entries(PHASE_COLUMNS) as Array<[JobPhase, (typeof PHASE_COLUMNS)[JobPhase]]>) {
    const at = row[column];
    if (at !== null) phases[phase] = at;
  }
  return {
    id: row.id,
    submissionId: row.submission_id,
    partId: row.part_id,
    graderVersionId: row.grader_version_id,
    priority: row.priority as JobPriority,
    phase: row.phase as JobPhase,
    phases,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

export function workflowFromRow(row: Pick<Selectable<AssignmentsTable>, 'trigger' | 'part_feedback' | 'complete_at' | 'autograde'>): GradingWorkflow {
  return {
    trigger: row.trigger as GradeTrigger,
    partFeedback: row.part_feedback as PartFeedback,
    completeAt: row.complete_at,
    autograde: row.autograde,
  };
}

export function completionFromRow(row: Selectable<CompletionsTable>): Completion {
  return {
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    login: row.login,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    how: row.how as CompletionHow,
    submissionId: row.submission_id,
  };
}
