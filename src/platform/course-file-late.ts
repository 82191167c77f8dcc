/**
 * The late half of a course file's assignment: `latePolicy` (penalty steps, or a percentage per
 * hour or day with a floor), `cutoff` and `extensions`. Checked with the rest of the file
 * (src/platform/course-file.ts), every fault with its path.
 *
 * All three need a deadline: without one nothing is late, so a policy there would silently do
 * nothing; such a file is refused rather than warned about, since apply has no warnings to give.
 */
import { formatDuration, parseDuration, type LatePolicy, type LateStep, type LateUnit } from './late-policy.ts';
import { nameProblem } from './names.ts';
import { parseZonedTime, zonedTimeProblem } from './zoned-time.ts';

export interface CourseFileExtension {
  student: string;
  /** The student's own deadline, ISO UTC; the cutoff moves by as much. */
  until: string;
}

export interface CourseFileLateRules {
  latePolicy: LatePolicy | null;
  cutoff: string | null;
  /** Undefined when the file has no `extensions` key: extensions are then left alone. */
  extensions: CourseFileExtension[] | undefined;
}

type Fault = (path: string, message: string) => void;
type Rec = Record<string, unknown>;

const MAX_STEPS = 20;
const MAX_EXTENSIONS = 10_000;
const UNITS: readonly LateUnit[] = ['hour', 'day'];
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (value: unknown): string => JSON.stringify(value) ?? 'nothing';

function unknownKeys(fault: Fault, value: Rec, path: string, keys: readonly string[]): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) fault(`${path}.${key}`, `unknown key; allowed here: ${keys.join(', ')}`);
}

/** A factor 0–1 (what a grade is multiplied by), or undefined after a fault. */
function factor(fault: Fault, value: unknown, path: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1) return value;
  fault(path, `must be a number from 0 to 1, what the grade is multiplied by (0.8 keeps 80%) (got ${show(value)})`);
  return undefined;
}

function duration(fault: Fault, value: unknown, path: string): number | undefined {
  const seconds = parseDuration(value);
  if (seconds !== undefined) return seconds;
  const negative = (typeof value === 'number' && value < 0) || (typeof value === 'string' && value.trim().startsWith('-'));
  fault(path, negative ? `must not be negative (got ${show(value)}): it is how late the work is` : `${show(value)} is not a duration: write 90s, 10m, 2h, 3d or 1w (or a number of seconds)`);
  return undefined;
}

function steps(fault: Fault, value: unknown, path: string): LateStep[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_STEPS) {
    fault(path, `must be a list of 1 to ${MAX_STEPS} steps, e.g. [{after: 10m, factor: 0.8}, {after: 2d, factor: 0.6}]`);
    return undefined;
  }
  const out: LateStep[] = [];
  let ok = true;
  // Compared with the last readable value before them, so one bad step hides no other fault.
  let lastAfter: number | undefined;
  let lastFactor: number | undefined;
  for (const [i, raw] of value.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(raw)) {
      fault(at, 'must be a mapping with `after` (a duration) and `factor` (0 to 1)');
      ok = false;
      continue;
    }
    unknownKeys(fault, raw, at, ['after', 'factor']);
    const afterSeconds = duration(fault, raw.after, `${at}.after`);
    const f = factor(fault, raw.factor, `${at}.factor`);
    if (afterSeconds !== undefined && lastAfter !== undefined && afterSeconds <= lastAfter) {
      fault(`${at}.after`, `must be later than the step before it (${formatDuration(lastAfter)}): list the steps from the least late to the most`);
      ok = false;
    }
    if (f !== undefined && lastFactor !== undefined && f > lastFactor) {
      fault(`${at}.factor`, `${f} is more than the ${lastFactor} of the step before it: later work must not keep more of its grade`);
      ok = false;
    }
    lastAfter = afterSeconds ?? lastAfter;
    lastFactor = f ?? lastFactor;
    if (afterSeconds === undefined || f === undefined) ok = false;
    else out.push({ afterSeconds, factor: f });
  }
  return ok ? out : undefined;
}

function latePolicy(fault: Fault, value: unknown, path: string): LatePolicy | null {
  if (value === undefined || value === null) return null;
  const hint = 'must be either {steps: [{after: 10m, factor: 0.8}, …]} or {percent: 10, per: day, floor: 0.5}';
  if (!isRecord(value)) {
    fault(path, hint);
    return null;
  }
  if ('steps' in value) {
    if ('percent' in value || 'per' in value || 'floor' in value) fault(path, `${hint}, not both`);
    unknownKeys(fault, value, path, ['steps']);
    const list = steps(fault, value.steps, `${path}.steps`);
    return list === undefined ? null : { kind: 'steps', steps: list };
  }
  if (!('percent' in value)) {
    fault(path, hint);
    return null;
  }
  unknownKeys(fault, value, path, ['percent', 'per', 'floor']);
  const { percent, per } = value;
  let ok = true;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
    fault(`${path}.percent`, `must be a number above 0 and at most 100, the percentage taken off per hour or day late (got ${show(percent)})`);
    ok = false;
  }
  if (!UNITS.includes(per as LateUnit)) {
    fault(`${path}.per`, `must be hour or day (got ${show(per)})`);
    ok = false;
  }
  const floor = value.floor === undefined ? 0 : factor(fault, value.floor, `${path}.floor`);
  if (!ok || floor === undefined) return null;
  return { kind: 'rate', percent: percent as number, per: per as LateUnit, floor };
}

function extensions(fault: Fault, value: unknown, path: string, deadline: string | null, students: ReadonlySet<string> | undefined): CourseFileExtension[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_EXTENSIONS) {
    fault(path, `must be a list of at most ${MAX_EXTENSIONS} {student: LOGIN, until: TIME}`);
    return [];
  }
  const seen = new Set<string>();
  return value.flatMap((raw, i): CourseFileExtension[] => {
    const at = `${path}[${i}]`;
    if (!isRecord(raw)) {
      fault(at, 'must be a mapping {student: LOGIN, until: TIME}');
      return [];
    }
    unknownKeys(fault, raw, at, ['student', 'until']);
    const problem = nameProblem('login', raw.student);
    if (problem !== undefined) fault(`${at}.student`, problem);
    const student = typeof raw.student === 'string' ? raw.student : '';
    if (problem === undefined && students !== undefined && !students.has(student)) {
      fault(`${at}.student`, `'${student}' is not a student of this course: the file's members list no student with that login`);
    }
    if (student !== '' && seen.has(student)) fault(`${at}.student`, `'${student}' has two extensions; keep one`);
    seen.add(student);
    const until = parseZonedTime(raw.until);
    if (until === undefined) fault(`${at}.until`, zonedTimeProblem(raw.until));
    else if (deadline !== null && until <= deadline) fault(`${at}.until`, `${until} is not after the deadline ${deadline}: an extension moves the student's deadline later`);
    return until === undefined ? [] : [{ student, until }];
  });
}

/**
 * The assignment's late rules, checked against its `deadline` (ISO UTC, or null) and, when the
 * file lists members, against its students (`students`; undefined: the server checks the course's).
 */
export function checkLateRules(fault: Fault, assignment: Rec, path: string, deadline: string | null, students: ReadonlySet<string> | undefined): CourseFileLateRules {
  const policy = latePolicy(fault, assignment.latePolicy, `${path}.latePolicy`);
  let cutoff: string | null = null;
  if (assignment.cutoff !== undefined && assignment.cutoff !== null) {
    cutoff = parseZonedTime(assignment.cutoff) ?? null;
    if (cutoff === null) fault(`${path}.cutoff`, zonedTimeProblem(assignment.cutoff));
    else if (deadline !== null && cutoff < deadline) {
      fault(`${path}.cutoff`, `${cutoff} is before the deadline ${deadline}: the cutoff is when late work stops being accepted (equal to the deadline: no late work at all)`);
    }
  }
  const list = extensions(fault, assignment.extensions, `${path}.extensions`, deadline, students);
  // A deadline that is there but unreadable has its own fault already.
  if (assignment.deadline === undefined || assignment.deadline === null) {
    const set = (['latePolicy', 'cutoff', 'extensions'] as const).filter((key) => assignment[key] !== undefined && assignment[key] !== null);
    for (const key of set) fault(`${path}.${key}`, `needs a deadline: without one nothing is late; set ${path}.deadline or remove ${key}`);
  }
  return { latePolicy: policy, cutoff, extensions: list };
}
