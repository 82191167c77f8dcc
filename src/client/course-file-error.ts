/** A course file's problems, kept apart from the parser so the CLI can name the error without loading YAML. */

export interface CourseFileIssue {
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  /** e.g. `assignments[0].parts[1].points`; empty for the whole file. */
  path: string;
  message: string;
}

/** A course file that cannot be applied; `issues` has one entry per fault, in file order. */
export class CourseFileError extends Error {
  override name = 'CourseFileError';
  readonly file: string;
  readonly issues: CourseFileIssue[];
  constructor(file: string, issues: CourseFileIssue[]) {
    super(`${file} has ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}:\n${issues.map((i) => formatIssue(file, i)).join('\n')}`);
    this.file = file;
    this.issues = issues;
  }
}

export function formatIssue(file: string, issue: CourseFileIssue): string {
  const where = issue.line > 0 ? `${file}:${issue.line}:${issue.column}` : file;
  return `${where}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}
