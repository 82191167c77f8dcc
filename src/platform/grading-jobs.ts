/**
 * Queues one grading job per part of a submission, inside the caller's transaction: the jobs'
 * rows and their queue entries commit together (with the submission, or with its completion).
 */
import type { Selectable } from 'kysely';
import type { DbTransaction } from '../db/database.ts';
import type { GraderVersionsTable, GradingJobsTable, PartsTable } from '../db/tables.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { newId } from './ids.ts';
import { PRIORITY_ORDER, type JobPriority } from './model.ts';

export interface PartToGrade {
  part: Pick<Selectable<PartsTable>, 'id'>;
  grader: Pick<Selectable<GraderVersionsTable>, 'id' | 'cpus' | 'memory_mib'>;
}

export interface GradingRequest {
  submission: { id: string; courseId: string; login: string };
  parts: readonly PartToGrade[];
  priority: JobPriority;
  /** ISO time the jobs are queued at. */
  now: string;
}

/** Records and enqueues the jobs; returns their rows. */
export async function queueGrading(tx: DbTransaction, queue: JobQueue, request: GradingRequest): Promise<Array<Selectable<GradingJobsTable>>> {
  const { submission, priority, now } = request;
  if (request.parts.length === 0) return [];
  const jobs = request.parts.map(({ part, grader }) => ({ id: newId('job'), part, grader }));
  const rows = await tx
    .insertInto('grading_jobs')
    .values(
      jobs.map(({ id, part, grader }) => ({
        id,
        submission_id: submission.id,
        part_id: part.id,
        grader_version_id: grader.id,
        priority,
        phase: 'queued',
        queued_at: now,
        attempts: 0,
      })),
    )
    .returningAll()
    .execute();
  await queue.enqueue(
    tx,
    jobs.map(({ id, grader }) => ({
      jobId: id,
      priority: PRIORITY_ORDER[priority],
      // The queue is fair between courses, then between the people whose work it grades.
      owner: submission.login,
      course: submission.courseId,
      cpus: grader.cpus,
      memoryMiB: grader.memory_mib,
    })),
  );
  return rows;
}

/** The published grader of each part of an assignment that has one, in part order. */
export async function publishedGraders(tx: DbTransaction, courseId: string, assignmentId: string): Promise<PartToGrade[]> {
  const rows = await tx
    .selectFrom('parts as p')
    .innerJoin('grader_versions as g', (join) =>
      join.onRef('g.course_id', '=', 'p.course_id').onRef('g.assignment_id', '=', 'p.assignment_id').onRef('g.part_id', '=', 'p.id').on('g.status', '=', 'published'),
    )
    .select(['p.id as partId', 'g.id as graderId', 'g.cpus', 'g.memory_mib'])
    .where('p.course_id', '=', courseId)
    .where('p.assignment_id', '=', assignmentId)
    .orderBy('p.position')
    .execute();
  return rows.map((r) => ({ part: { id: r.partId }, grader: { id: r.graderId, cpus: r.cpus, memory_mib: r.memory_mib } }));
}
