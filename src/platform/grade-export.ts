/**
 * Exporting grades (docs/course-workflow.md "Export"), staff only: one row per student and
 * assignment with each part's points, the raw grade, the late factor and rule, the final grade,
 * whether an override applies, the completion date and whether students can see it. As CSV
 * (RFC 4180, a header row, cells from users guarded against formula injection) or JSON, produced
 * one assignment at a time (each derived in a fixed number of queries: grade-reads.ts) and
 * streamed, so a large course is never one giant string.
 */
import { courseStudentNames } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, NotFound } from './errors.ts';
import { deriveGrades } from './grade-reads.ts';
import type { Actor, AssignmentGrade, AssignmentGradeStatus } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';

export type ExportFormat = 'csv' | 'json';

export interface ExportedAssignment {
  id: string;
  parts: Array<{ id: string; points: number }>;
}

export interface GradeExportRow {
  login: string;
  displayName: string;
  assignmentId: string;
  status: AssignmentGradeStatus;
  /** Each part's points (an override's when set), by part id; null: none yet. */
  parts: Record<string, number | null>;
  pointsEarned: number | null;
  pointsPossible: number;
  rawGrade: number | null;
  /** The late factor applied to the raw grade (1: none); null while nothing counts. */
  lateFactor: number | null;
  lateRule: string | null;
  /** 0–100 (above with extra credit); null until graded. */
  finalGrade: number | null;
  /** A part or the assignment grade was set by hand. */
  overridden: boolean;
  completedAt: string | null;
  /** Students can see the scores (release-state.ts). */
  released: boolean;
}

export interface GradeExport {
  courseId: string;
  assignments: ExportedAssignment[];
  /** In assignment order, then login order. */
  rows: AsyncIterable<GradeExportRow>;
}

/** Staff: the export's assignments and its rows (derived as they are read). */
export async function exportGrades(ctx: PlatformContext, actor: Actor, courseId: string, filter: { assignmentId?: string } = {}): Promise<GradeExport> {
  requireScope(actor, 'read');
  const access = filter.assignmentId === undefined ? await courseAccess(ctx.db, actor, courseId) : await courseAccess(ctx.db, actor, courseId, filter.assignmentId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may export grades`);
  const assignmentRows = await ctx.db
    .selectFrom('assignments')
    .select('id')
    .where('course_id', '=', courseId)
    .$if(filter.assignmentId !== undefined, (q) => q.where('id', '=', filter.assignmentId ?? ''))
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (filter.assignmentId !== undefined && assignmentRows.length === 0) throw new NotFound(`no assignment ${courseId}/${filter.assignmentId}`);
  const partRows = await ctx.db
    .selectFrom('parts')
    .select(['assignment_id', 'id', 'points'])
    .where('course_id', '=', courseId)
    .$if(filter.assignmentId !== undefined, (q) => q.where('assignment_id', '=', filter.assignmentId ?? ''))
    .orderBy('position')
    .orderBy('id')
    .execute();
  const assignments = assignmentRows.map((a) => ({ id: a.id, parts: partRows.filter((p) => p.assignment_id === a.id).map((p) => ({ id: p.id, points: p.points })) }));
  const students = await courseStudentNames(ctx.db, courseId);
  const logins = students.map((s) => s.login);
  const names = new Map(students.map((s) => [s.login, s.displayName]));
  const now = ctx.now();
  async function* rows(): AsyncGenerator<GradeExportRow> {
    for (const assignment of assignments) {
      const grades = await deriveGrades(ctx.db, { courseId, assignmentId: assignment.id, logins }, { viewer: 'staff', now, refresh: ctx });
      for (const grade of grades) yield exportRow(grade, names.get(grade.login) ?? '');
    }
  }
  return { courseId, assignments, rows: rows() };
}

function exportRow(grade: AssignmentGrade, displayName: string): GradeExportRow {
  return {
    login: grade.login,
    displayName,
    assignmentId: grade.assignmentId,
    status: grade.status,
    parts: Object.fromEntries(grade.parts.map((p) => [p.partId, p.earned])),
    pointsEarned: grade.pointsEarned,
    pointsPossible: grade.pointsPossible,
    rawGrade: grade.rawGrade,
    lateFactor: grade.late?.factor ?? null,
    lateRule: grade.late?.rule ?? null,
    finalGrade: grade.finalGrade,
    overridden: grade.override !== null || grade.parts.some((p) => p.override !== undefined),
    completedAt: grade.completion?.completedAt ?? null,
    released: grade.released,
  };
}

// ---- CSV -------------------------------------------------------------------------------------

/** Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: guarded against formula injection (a leading `'`), then quoted per RFC 4180 when needed. */
export function csvText(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const csvNumber = (n: number | null): string => (n === null ? '' : String(n));

/** The header's part columns: `assignment/part`, for every part of every exported assignment. */
function partColumns(assignments: readonly ExportedAssignment[]): Array<{ assignmentId: string; partId: string }> {
  return assignments.flatMap((a) => a.parts.map((p) => ({ assignmentId: a.id, partId: p.id })));
}

export const CSV_FIXED_COLUMNS = ['login', 'name', 'assignment', 'status'] as const;
export const CSV_TAIL_COLUMNS = ['points', 'possible', 'raw', 'late_factor', 'late_rule', 'final', 'override', 'completed_at', 'released'] as const;

/** The export as CSV lines (CRLF, UTF-8), the header first. */
export async function* exportCsv(data: GradeExport): AsyncGenerator<string> {
  const parts = partColumns(data.assignments);
  yield `${[...CSV_FIXED_COLUMNS, ...parts.map((p) => `${p.assignmentId}/${p.partId}`), ...CSV_TAIL_COLUMNS].map(csvText).join(',')}\r\n`;
  for await (const row of data.rows) {
    const cells = [
      csvText(row.login),
      csvText(row.displayName),
      csvText(row.assignmentId),
      csvText(row.status),
      ...parts.map((p) => (p.assignmentId === row.assignmentId ? csvNumber(row.parts[p.partId] ?? null) : '')),
      csvNumber(row.pointsEarned),
      csvNumber(row.pointsPossible),
      csvNumber(row.rawGrade),
      csvNumber(row.lateFactor),
      row.lateRule === null ? '' : csvText(row.lateRule),
      csvNumber(row.finalGrade),
      row.overridden ? 'yes' : 'no',
      row.completedAt ?? '',
      row.released ? 'yes' : 'no',
    ];
    yield `${cells.join(',')}\r\n`;
  }
}

/** The export as JSON text in pieces: `{"courseId", "assignments", "rows": [...]}`. */
export async function* exportJson(data: GradeExport): AsyncGenerator<string> {
  yield `{"courseId":${JSON.stringify(data.courseId)},"assignments":${JSON.stringify(data.assignments)},"rows":[`;
  let first = true;
  for await (const row of data.rows) {
    yield `${first ? '' : ','}${JSON.stringify(row)}`;
    first = false;
  }
  yield ']}\n';
}
