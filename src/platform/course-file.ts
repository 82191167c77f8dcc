/**
 * Checks a course file (`gradebox apply course.yaml`, sent as JSON) and normalises it: defaults
 * filled in (trigger `submit`, part feedback `immediate`, method `aggregate`), times (deadlines,
 * cutoffs, completion times) as ISO-8601 UTC, absent submission limits and late rules as null.
 * Every fault is reported at once, each with its path in the file
 * (`assignments[1].parts[0].points: …`), in one InvalidInput. The CLI's pre-check
 * (src/client/course-file.ts) and the server both use this one checker.
 */
import { AUTOGRADE_METHOD_NAMES, DEFAULT_AUTOGRADE_METHOD } from './autograde-methods.ts';
import { checkLateRules, type CourseFileLateRules } from './course-file-late.ts';
import { InvalidInput } from './errors.ts';
import { GRADE_TRIGGERS, PART_FEEDBACKS, ROLES, SUBMISSION_LIMIT_RANGES, type GradingWorkflow, type Role, type SubmissionLimits } from './model.ts';
import { nameProblem, type NameKind } from './names.ts';
import { parseZonedTime, zonedTimeProblem } from './zoned-time.ts';
import { RELEASE_MODES, type ReleaseMode } from './release-state.ts';

export interface CourseFilePart {
  id: string;
  title: string;
  points: number;
}

/** An assignment's release settings; undefined: not in the file, left as they are (new assignments: immediate, none). */
export interface CourseFileRelease {
  release: ReleaseMode | undefined;
  releaseAt: string | null | undefined;
}

export interface CourseFileAssignment extends SubmissionLimits, CourseFileLateRules, GradingWorkflow, CourseFileRelease {
  /** Students see the assignment's leaderboard (default false). */
  leaderboard: boolean;
  id: string;
  title: string;
  deadline: string | null;
  parts: CourseFilePart[];
}

export interface CourseFileMember {
  login: string;
  displayName: string | undefined;
  role: Role;
}

export interface NormalizedCourseFile {
  course: { id: string; title: string };
  /** Undefined when the file has no `members` key: members are then left alone, even with prune. */
  members: CourseFileMember[] | undefined;
  /** Undefined when the file has no `assignments` key: assignments are then left alone. */
  assignments: CourseFileAssignment[] | undefined;
}

const MAX_TITLE = 200;
const ASSIGNMENT_KEYS = [
  'id', 'title', 'deadline', 'maxSubmissions', 'minIntervalSeconds', 'latePolicy', 'cutoff', 'extensions', 'trigger', 'partFeedback', 'completeAt', 'autograde', 'parts',
  'leaderboard', 'release', 'releaseAt',
];
const MAX_PROBLEMS_IN_MESSAGE = 5;

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];

  fault(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  record(value: unknown, path: string, keys: readonly string[]): Rec | undefined {
    if (!isRecord(value)) {
      this.fault(path, 'must be a mapping (key: value)');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fault(`${path}.${key}`, `unknown key; allowed here: ${keys.join(', ')}`);
    }
    return value;
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fault(path, 'must be a list');
      return [];
    }
    return value;
  }

  name(kind: NameKind, value: unknown, path: string): string {
    const problem = nameProblem(kind, value);
    if (problem !== undefined) this.fault(path, problem);
    return typeof value === 'string' ? value : '';
  }

  title(value: unknown, path: string, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TITLE) {
      this.fault(path, `must be a non-empty text of at most ${MAX_TITLE} characters`);
      return fallback ?? '';
    }
    return value.trim();
  }

  /** A time with a zone (deadline, cutoff) as ISO UTC, or null when absent. */
  time(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    const time = parseZonedTime(value);
    if (time === undefined) this.fault(path, zonedTimeProblem(value));
    return time ?? null;
  }

  /** One of `allowed`, or `fallback` when absent. */
  choice<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.fault(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  }

  /** A whole number in `range`, or null when absent. */
  limit(value: unknown, path: string, range: { min: number; max: number }, unit: string): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) return value;
    this.fault(path, `must be a whole number of ${unit} from ${range.min} to ${range.max}, or null for no limit (got ${JSON.stringify(value)})`);
    return null;
  }

  /** true or false, or `fallback` when absent. */
  flag(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fault(path, `must be true or false (got ${JSON.stringify(value)})`);
    return fallback;
  }

  unique(ids: string[], path: string, what: string): void {
    const seen = new Set<string>();
    for (const id of ids) {
      if (id !== '' && seen.has(id)) this.fault(path, `${what} '${id}' is listed twice`);
      seen.add(id);
    }
  }
}

/** An assignment's trigger, part feedback, completion time and autograde method (docs/course-workflow.md). */
function workflow(c: Checker, a: Rec, path: string): GradingWorkflow {
  const trigger = c.choice(a.trigger, `${path}.trigger`, GRADE_TRIGGERS, 'submit');
  const partFeedback = c.choice(a.partFeedback, `${path}.partFeedback`, PART_FEEDBACKS, 'immediate');
  const completeAt = c.time(a.completeAt, `${path}.completeAt`);
  const autograde = c.choice(a.autograde, `${path}.autograde`, AUTOGRADE_METHOD_NAMES, DEFAULT_AUTOGRADE_METHOD);
  if (trigger === 'submit') {
    if (partFeedback === 'on-completion') c.fault(`${path}.partFeedback`, 'on-completion needs trigger: completion (with trigger submit every submission is graded at once)');
    if (completeAt !== null) c.fault(`${path}.completeAt`, 'needs trigger: completion (with trigger submit nothing is completed)');
  }
  return { trigger, partFeedback, completeAt, autograde };
}

/**
 * `release` and `releaseAt` (docs/course-workflow.md "Release and visibility"): a release time
 * implies `manual`; `release: immediate` clears a release time (scores show as soon as graded).
 */
function releaseSettings(c: Checker, a: Rec, path: string): CourseFileRelease {
  const release = a.release === undefined ? undefined : c.choice(a.release, `${path}.release`, RELEASE_MODES, 'immediate');
  const releaseAt = a.releaseAt === undefined ? undefined : c.time(a.releaseAt, `${path}.releaseAt`);
  if (release === 'immediate' && releaseAt !== undefined && releaseAt !== null) {
    c.fault(`${path}.releaseAt`, 'needs release: manual (or no release key): with release immediate scores show as soon as they are graded, so there is nothing to release later');
  }
  if (releaseAt !== undefined && releaseAt !== null) return { release: 'manual', releaseAt };
  return { release, releaseAt: release === 'immediate' ? null : releaseAt };
}

function parts(c: Checker, value: unknown, path: string): CourseFilePart[] {
  if (value === undefined) c.fault(path, 'is required: list the parts (id, points, optional title)');
  const out = c.list(value, path).map((raw, i) => {
    const p = c.record(raw, `${path}[${i}]`, ['id', 'title', 'points']) ?? {};
    const id = c.name('part', p.id, `${path}[${i}].id`);
    const points = p.points;
    if (typeof points !== 'number' || !Number.isFinite(points) || points < 0) {
      c.fault(`${path}[${i}].points`, `must be a number ≥ 0 (got ${JSON.stringify(points) ?? 'nothing'})`);
    }
    return { id, title: c.title(p.title, `${path}[${i}].title`, id), points: typeof points === 'number' ? points : 0 };
  });
  c.unique(out.map((p) => p.id), path, 'part');
  return out;
}

/** The checked, normalised file; InvalidInput listing every fault (in `details.problems`). */
export function parseCourseFile(input: unknown): NormalizedCourseFile {
  const c = new Checker();
  const file = c.record(input, 'file', ['course', 'members', 'assignments']) ?? {};
  const course = c.record(file.course, 'course', ['id', 'title']) ?? {};
  const courseId = c.name('course', course.id, 'course.id');
  const courseTitle = c.title(course.title, 'course.title');

  const members =
    file.members === undefined
      ? undefined
      : c.list(file.members, 'members').map((raw, i) => {
          const m = c.record(raw, `members[${i}]`, ['login', 'displayName', 'role']) ?? {};
          const role = m.role as Role;
          if (!ROLES.includes(role)) c.fault(`members[${i}].role`, `must be one of ${ROLES.join(', ')} (got ${JSON.stringify(m.role) ?? 'nothing'})`);
          return {
            login: c.name('login', m.login, `members[${i}].login`),
            displayName: m.displayName === undefined ? undefined : c.title(m.displayName, `members[${i}].displayName`),
            role,
          };
        });
  if (members) c.unique(members.map((m) => m.login), 'members', 'member');
  const students = members && new Set(members.filter((m) => m.role === 'student').map((m) => m.login));

  const assignments =
    file.assignments === undefined
      ? undefined
      : c.list(file.assignments, 'assignments').map((raw, i) => {
          const a = c.record(raw, `assignments[${i}]`, ASSIGNMENT_KEYS) ?? {};
          const id = c.name('assignment', a.id, `assignments[${i}].id`);
          const deadline = c.time(a.deadline, `assignments[${i}].deadline`);
          return {
            id,
            title: c.title(a.title, `assignments[${i}].title`),
            deadline,
            ...workflow(c, a, `assignments[${i}]`),
            ...releaseSettings(c, a, `assignments[${i}]`),
            maxSubmissions: c.limit(a.maxSubmissions, `assignments[${i}].maxSubmissions`, SUBMISSION_LIMIT_RANGES.maxSubmissions, 'submissions'),
            minIntervalSeconds: c.limit(a.minIntervalSeconds, `assignments[${i}].minIntervalSeconds`, SUBMISSION_LIMIT_RANGES.minIntervalSeconds, 'seconds'),
            parts: parts(c, a.parts, `assignments[${i}].parts`),
            leaderboard: c.flag(a.leaderboard, `assignments[${i}].leaderboard`, false),
            ...checkLateRules((path, message) => c.fault(path, message), a, `assignments[${i}]`, deadline, students),
          };
        });
  if (assignments) c.unique(assignments.map((a) => a.id), 'assignments', 'assignment');

  if (c.problems.length > 0) {
    const shown = c.problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).join('; ');
    const more = c.problems.length > MAX_PROBLEMS_IN_MESSAGE ? `; and ${c.problems.length - MAX_PROBLEMS_IN_MESSAGE} more` : '';
    throw new InvalidInput(`invalid course file: ${shown}${more}`, { problems: c.problems });
  }
  return { course: { id: courseId, title: courseTitle }, members, assignments };
}
