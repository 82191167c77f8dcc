/**
 * The start form of the regrade page, read into the Platform's RegradeRequest. Only the form's
 * shape is checked here (a 400 page for a value no form sends); whether the students, parts and
 * version exist is startRegrade's rule, as for the API.
 */
import { InvalidInput } from '../../../platform/errors.ts';
import type { RegradeGrader, RegradeRequest } from '../../../platform/regrade-model.ts';

/** The form's fields (urlencoded: a repeated field arrives as a list). */
export interface RegradeForm {
  who?: unknown;
  students?: unknown;
  part?: unknown;
  grader?: unknown;
  dryRun?: unknown;
}

/** The grader choice as the form's select writes it. */
export function graderValue(grader: RegradeGrader): string {
  return grader.kind === 'version' ? `version-${grader.number}` : grader.kind;
}

function one(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidInput(`the form's field "${field}" must be sent once`);
  return value;
}

function list(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  if (!values.every((v): v is string => typeof v === 'string')) throw new InvalidInput(`the form's field "${field}" must be text`);
  return values;
}

function graderOf(value: string | undefined): RegradeGrader {
  if (value === undefined || value === 'published') return { kind: 'published' };
  if (value === 'draft') return { kind: 'draft' };
  const match = /^version-([1-9][0-9]{0,8})$/.exec(value);
  if (match) return { kind: 'version', number: Number(match[1]) };
  throw new InvalidInput(`choose the grader to regrade with: the published one, the draft, or a version (not "${value.slice(0, 40)}")`);
}

/**
 * The request the form asks for. `allParts`: the assignment's parts; every one ticked means "every
 * part with a grader of that kind" (as the API's absent `parts`), so a part without one is no error.
 */
export function regradeRequestOf(form: RegradeForm, allParts: readonly string[]): RegradeRequest {
  const who = one(form.who, 'who') ?? 'all';
  if (who !== 'all' && who !== 'some') throw new InvalidInput('choose every student or some students');
  let students: string[] | undefined;
  if (who === 'some') {
    students = [...new Set((one(form.students, 'students') ?? '').split(/[\s,;]+/).filter((s) => s !== ''))];
    if (students.length === 0) throw new InvalidInput('name at least one student (their logins, separated by spaces, commas or lines), or choose every student');
  }
  const ticked = [...new Set(list(form.part, 'part'))];
  if (ticked.length === 0) throw new InvalidInput('choose at least one part to regrade');
  const everyPart = ticked.length === allParts.length && ticked.every((p) => allParts.includes(p));
  const dryRun = one(form.dryRun, 'dryRun');
  if (dryRun !== undefined && dryRun !== 'on') throw new InvalidInput('the dry-run box is either ticked or not');
  return {
    ...(students ? { students } : {}),
    ...(everyPart ? {} : { parts: ticked }),
    grader: graderOf(one(form.grader, 'grader')),
    dryRun: dryRun === 'on',
  };
}
