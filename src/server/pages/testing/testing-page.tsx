/**
 * The testing page of an assignment's graders: test a version on a sample, test the autograde
 * script with made-up part results, check a version's robustness with check-grader's hostile
 * cases, and the golden submissions with their state against the drafts.
 */
import { HOSTILE_CASES } from '../../../grader-check/hostile-cases.ts';
import type { Assignment, AutogradeGrader, Course, GoldenSubmission, GraderVersion, Part } from '../../../platform/model.ts';
import type { RobustnessCheck } from '../../../platform/robustness-checks.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { UploadFields } from '../../web/upload-form.tsx';
import { GoldenTable } from './goldens.tsx';

export interface PartVersions {
  part: Part;
  versions: GraderVersion[];
}

export interface TestingView {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
  parts: PartVersions[];
  autogradeGraders: AutogradeGrader[];
  goldens: GoldenSubmission[];
  checks: Array<Omit<RobustnessCheck, 'cases'> & { caseCount: number }>;
}

/** `v3 (draft)` */
export function versionName(version: Pick<GraderVersion, 'number' | 'status'>): string {
  return `v${version.number} (${version.status})`;
}

function PartSelect(props: { id: string; parts: PartVersions[] }): JSX.Element {
  return (
    <>
      <label for={props.id}>Part</label>
      <select id={props.id} name="part">
        {props.parts.map(({ part }) => (
          <option value={part.id} safe>{`${part.id}: ${part.title} (${part.points} points)`}</option>
        ))}
      </select>
    </>
  );
}

function VersionSelect(props: { id: string; parts: PartVersions[] }): JSX.Element {
  return (
    <>
      <label for={props.id}>Grader version</label>
      <select id={props.id} name="version" aria-describedby={`${props.id}-hint`}>
        <option value="draft">The part's newest draft</option>
        {props.parts.map(({ part, versions }) => (
          <optgroup label={`Part ${part.id}`}>
            {versions.map((v) => (
              <option value={v.id} safe>{`${part.id} ${versionName(v)}, uploaded ${v.uploadedAt.slice(0, 16).replace('T', ' ')} UTC`}</option>
            ))}
          </optgroup>
        ))}
      </select>
      <p class="muted" id={`${props.id}-hint`}>
        A chosen version must be one of the chosen part's.
      </p>
    </>
  );
}

export function TestingPage(view: TestingView): JSX.Element {
  const { course, assignment, ctx } = view;
  const base = staffPaths.graderTests(course.id, assignment.id);
  const csrf = encodeURIComponent(ctx.csrfToken ?? '');
  const title = `Testing graders: ${assignment.title}`;
  const hasVersions = view.parts.some((p) => p.versions.length > 0);
  const anyGrading = view.goldens.some((g) => g.drafts.some((d) => d.state === 'grading'));
  return (
    <Layout ctx={ctx} title={title} htmx={anyGrading}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a> ›{' '}
        <a href={staffPaths.assignment(course.id, assignment.id)} safe>
          {assignment.title}
        </a>
      </nav>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="testing" />
      <h1 safe>{title}</h1>
      {!hasVersions && (
        <p class="notice">
          No grader version is uploaded yet: upload one on the <a href={staffPaths.graders(course.id, assignment.id)}>Graders page</a> (or with <code>gradebox upload</code>).
        </p>
      )}

      <section aria-labelledby="test-heading">
        <h2 id="test-heading">Test a grader on a sample</h2>
        <p>
          The sample is graded as an author test (<code>gradebox test-grader</code>): at author-test priority, by the version you choose, and never counted as a student's
          submission. The result shows everything, hidden tests and the grader's output included.
        </p>
        <form method="post" enctype="multipart/form-data" action={`${base}/runs?csrf=${csrf}`} class="card" data-upload>
          <PartSelect id="test-part" parts={view.parts} />
          <VersionSelect id="test-version" parts={view.parts} />
          <UploadFields idPrefix="test-" label="Sample files (choose several, or drop them here)" />
          <p>
            <button type="submit">Run the test</button>
          </p>
        </form>
      </section>

      {assignment.autograde === 'script' && (
        <section aria-labelledby="autograde-heading">
          <h2 id="autograde-heading">Test the autograde script</h2>
          <p>
            Runs an autograde script version on a sample with part results you make up (<code>gradebox test-autograde</code>). Parts left out get full points.
          </p>
          {view.autogradeGraders.length === 0 ? (
            <p class="muted">No autograde script is uploaded yet.</p>
          ) : (
            <form method="post" enctype="multipart/form-data" action={`${base}/autograde-tests?csrf=${csrf}`} class="card" data-upload>
              <label for="agt-version">Script version</label>
              <select id="agt-version" name="version">
                <option value="">The newest draft</option>
                {view.autogradeGraders.map((g) => (
                  <option value={g.id} safe>
                    {versionName(g)}
                  </option>
                ))}
              </select>
              <label for="agt-results">Made-up part results (JSON by part id)</label>
              <textarea id="agt-results" name="partResults" rows="3" aria-describedby="agt-results-hint">
                {''}
              </textarea>
              <p class="muted" id="agt-results-hint" safe>
                {`For example {"${view.parts[0]?.part.id ?? 'p1'}": {"points": 3}} or {"${view.parts[0]?.part.id ?? 'p1'}": {"fraction": 0.5}} or {"${view.parts[0]?.part.id ?? 'p1'}": {"status": "ungraded"}}; empty: every part full points.`}
              </p>
              <UploadFields idPrefix="agt-" label="Sample files (choose several, or drop them here)" />
              <p>
                <button type="submit">Run the script</button>
              </p>
            </form>
          )}
        </section>
      )}

      <section aria-labelledby="robustness-heading">
        <h2 id="robustness-heading">Robustness</h2>
        <p>
          Runs <code>gradebox check-grader</code>'s hostile submissions (endless loops, memory and fork bombs, floods, forged results, odd names…) against a version on this
          server, each as an author test, and says for each whether the grader handled it. A sample (optional) makes the cases look like the assignment's real work.
        </p>
        <form method="post" enctype="multipart/form-data" action={`${base}/robustness?csrf=${csrf}`} class="card" data-upload>
          <PartSelect id="rb-part" parts={view.parts} />
          <VersionSelect id="rb-version" parts={view.parts} />
          <fieldset>
            <legend>Cases</legend>
            <ul class="checks">
              {HOSTILE_CASES.map((c) => (
                <li>
                  <input type="checkbox" id={`rb-case-${c.id}`} name="cases" value={c.id} checked />{' '}
                  <label for={`rb-case-${c.id}`} class="inline">
                    <code safe>{c.id}</code>: <span safe>{c.title}</span>
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          <UploadFields idPrefix="rb-" label="A right sample submission (optional)" />
          <p>
            <button type="submit">Check robustness</button>
          </p>
        </form>
        {view.checks.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption>Recent robustness checks</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Part</th>
                  <th scope="col">Cases</th>
                  <th scope="col">By</th>
                  <th scope="col">Report</th>
                </tr>
              </thead>
              <tbody>
                {view.checks.map((check) => (
                  <tr>
                    <td>
                      <Time iso={check.createdAt} />
                    </td>
                    <td safe>{check.partId}</td>
                    <td safe>{String(check.caseCount)}</td>
                    <td safe>{check.requestedBy}</td>
                    <td>
                      <a href={`${base}/robustness/${encodeURIComponent(check.id)}`}>Report</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="goldens-heading" id="goldens">
        <h2 id="goldens-heading">Golden submissions</h2>
        <p>
          Pinned submissions with the results each part must keep getting: publishing a draft that changes them is refused unless the change is accepted (
          <code>gradebox golden</code>). Goldens run on author-test copies; a student's own submission is never graded again.
        </p>
        {anyGrading ? (
          <div id="golden-status" aria-live="polite" hx-ext="sse" sse-connect={`${base}/goldens/live`} sse-swap="status" sse-close="done">
            <GoldenTable base={base} csrf={ctx.csrfToken ?? ''} goldens={view.goldens} />
          </div>
        ) : (
          <div id="golden-status">
            <GoldenTable base={base} csrf={ctx.csrfToken ?? ''} goldens={view.goldens} />
          </div>
        )}
        <form method="post" action={`${base}/golden-runs`} class="card">
          <input type="hidden" name="_csrf" value={ctx.csrfToken ?? ''} />
          <p>Grade every golden with each part's newest draft it was not graded by yet.</p>
          <button type="submit">Run goldens against the drafts</button>
        </form>
        <form method="post" action={`${base}/goldens`} class="card">
          <input type="hidden" name="_csrf" value={ctx.csrfToken ?? ''} />
          <h3>Pin a submission</h3>
          <label for="golden-submission">Submission id</label>
          <input type="text" id="golden-submission" name="submission" required pattern="sub_[A-Za-z0-9_\-]+" aria-describedby="golden-submission-hint" />
          <p class="muted" id="golden-submission-hint">
            A submission of this assignment (<code>sub_…</code>): a student's, or a test run's sample. Its current results become the expectations.
          </p>
          <label for="golden-label">Label (optional)</label>
          <input type="text" id="golden-label" name="label" maxlength="200" />
          <p>
            <button type="submit">Pin as golden</button>
          </p>
        </form>
      </section>
    </Layout>
  );
}
