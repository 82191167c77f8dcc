/**
 * `CODIO_AUTOGRADE_ENV`: the JSON Codio gives a grading script, built from what gradebox knows
 * (the parts' results, the student, the course and assignment, the completion date), in the
 * shape of Codio's documentation:
 *
 * ```json
 * { "assessments": { "stats": { "total", "answered", "correct", "totalPoints", "points" },
 *                    "info": [{ "name", "points", "answer": { "correct", "points" } }] },
 *   "completedDate": "2017-02-07T09:47:54.471Z",
 *   "student": { "id", "username", "fullName", "email" },
 *   "course": { "id", "projectId", "lti", "assignment": { "id", "name", "start", "end" } } }
 * ```
 */

/** One part of the assignment (Codio: one assessment) and its result so far. */
export interface AutogradePart {
  name: string;
  /** Points the part is worth. */
  points: number;
  /** Points earned; null when the part has no graded result (not answered). */
  earned: number | null;
}

export interface AutogradeEnvInput {
  parts: readonly AutogradePart[];
  student: { id: string; username: string; fullName: string; email: string };
  course: { id: string; lti?: boolean };
  assignment: { id: string; name?: string; start?: Date | null; end?: Date | null };
  completedDate: Date;
}

export interface AutogradeEnv {
  assessments: {
    stats: { total: number; answered: number; correct: number; totalPoints: number; points: number };
    info: { name: string; points: number; answer: { correct: boolean; points: number } }[];
  };
  completedDate: string;
  student: { id: string; username: string; fullName: string; email: string };
  course: {
    id: string;
    projectId: string;
    lti: boolean;
    assignment: { id: string; name: string; start: string | null; end: string | null };
  };
}

/**
 * Builds the object (JSON.stringify it for the variable). A part counts as answered when it has a
 * result, and as correct when it earned all its points (Codio's "correct" for an assessment).
 * Dates are written as Codio writes them, `Date.toISOString()` (`2017-02-07T09:47:54.471Z`).
 */
export function buildAutogradeEnv(input: AutogradeEnvInput): AutogradeEnv {
  const info = input.parts.map((part) => {
    const earned = part.earned ?? 0;
    return { name: part.name, points: part.points, answer: { correct: part.earned !== null && earned >= part.points, points: earned } };
  });
  const answered = input.parts.filter((part) => part.earned !== null).length;
  return {
    assessments: {
      stats: {
        total: input.parts.length,
        answered,
        correct: info.filter((part) => part.answer.correct).length,
        totalPoints: sum(input.parts.map((part) => part.points)),
        points: sum(info.map((part) => part.answer.points)),
      },
      info,
    },
    completedDate: input.completedDate.toISOString(),
    student: { ...input.student },
    course: {
      id: input.course.id,
      projectId: `${input.course.id}/${input.assignment.id}`,
      lti: input.course.lti ?? false,
      assignment: {
        id: input.assignment.id,
        name: input.assignment.name ?? input.assignment.id,
        start: input.assignment.start?.toISOString() ?? null,
        end: input.assignment.end?.toISOString() ?? null,
      },
    },
  };
}

/**
 * Merges an author's simulation (`grade local --autograde-env JSON`) over the defaults: objects
 * key by key, anything else (arrays included) replaced whole. When the author gives
 * `assessments.info` and no `assessments.stats`, the stats are recomputed from that info so that
 * the two agree, as they do on Codio.
 */
export function mergeAutogradeEnv(defaults: AutogradeEnv, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged = mergeObjects(defaults as unknown as Record<string, unknown>, overrides);
  const assessments = overrides.assessments;
  if (isObject(assessments) && Array.isArray(assessments.info) && assessments.stats === undefined) {
    const target = merged.assessments as Record<string, unknown>;
    target.stats = statsOf(assessments.info);
  }
  return merged;
}

function statsOf(info: unknown[]): AutogradeEnv['assessments']['stats'] {
  const entries = info.filter(isObject);
  const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const answers = entries.map((entry) => (isObject(entry.answer) ? entry.answer : undefined));
  return {
    total: info.length,
    answered: answers.filter((answer) => answer !== undefined).length,
    correct: answers.filter((answer) => answer?.correct === true).length,
    totalPoints: sum(entries.map((entry) => number(entry.points))),
    points: sum(answers.map((answer) => number(answer?.points))),
  };
}

function mergeObjects(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] = isObject(current) && isObject(value) ? mergeObjects(current, value) : value;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
