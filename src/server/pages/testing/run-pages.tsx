/**
 * The pages a test leads to: a test run's result (an author-test submission of one part), an
 * autograde script's test run, and a robustness report. Each has a part that changes while the
 * grading goes on, swapped in live (src/server/web/live-stream.ts); without JavaScript a refresh
 * link shows the same.
 */
import type { Children } from '@kitajs/html';
import type { ServerCheckReport } from '../../../grader-check/server-check.ts';
import type { PartProgress } from '../../../platform/grading-progress.ts';
import type { AutogradeTest } from '../../../platform/autograde-tests.ts';
import type { Assignment, Course, GraderVersion, Submission } from '../../../platform/model.ts';
import { renderUntrusted } from '../../web/render-feedback.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { describeProgress } from '../submission/submission-page.tsx';
import { StaffResult } from '../../web/staff-result.tsx';
import { versionName } from './testing-page.tsx';

interface Frame {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
}

/** The frame of the testing sub-pages: breadcrumb, staff navigation, heading, and the live part. */
function TestingFrame(props: Frame & { title: string; live: string | null; refresh: string; children: Children; extra?: Children }): JSX.Element {
  const { course, assignment } = props;
  const base = staffPaths.graderTests(course.id, assignment.id);
  return (
    <Layout ctx={props.ctx} title={props.title} htmx={props.live !== null}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a> ›{' '}
        <a href={staffPaths.assignment(course.id, assignment.id)} safe>
          {assignment.title}
        </a>{' '}
        › <a href={base}>Testing</a>
      </nav>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="testing" />
      <h1 safe>{props.title}</h1>
      <section aria-labelledby="result-heading">
        <h2 id="result-heading">Result</h2>
        {props.live !== null ? (
          <div id="status" aria-live="polite" hx-ext="sse" sse-connect={props.live} sse-swap="status" sse-close="done">
            {props.children}
          </div>
        ) : (
          <div id="status">{props.children}</div>
        )}
        {props.live !== null && (
          <p class="muted">
            This updates by itself. <a href={props.refresh}>Refresh</a> if it does not.
          </p>
        )}
      </section>
      {props.extra}
    </Layout>
  );
}

// ---- a test run ----

export interface RunView extends Frame {
  submission: Submission;
  partId: string;
  version: GraderVersion | null;
  progress: readonly PartProgress[];
}

/** The run's changing part: where it stands, then the whole result. */
export function RunStatus(props: { submission: Submission; partId: string; progress: readonly PartProgress[] }): JSX.Element {
  const part = props.submission.parts.find((p) => p.partId === props.partId);
  if (part === undefined) return <p class="muted">This run grades no part.</p>;
  if (part.result === null || part.result.full === null) {
    return (
      <p>
        Status: <strong class="status" safe>{describeProgress(props.progress.find((p) => p.partId === part.partId))}</strong>
      </p>
    );
  }
  return (
    <>
      <p>
        Status: <strong class="status graded">Done</strong>
      </p>
      <StaffResult result={part.result.full} earned={part.result.points} possible={part.points} caption={`Tests of part ${part.partId}, as the grader reported them`} openOutput />
      <p>
        Every job of this run with its phases and timings, and downloads of the whole output:{' '}
        <a href={staffPaths.submission(props.submission.id)}>the sample's submission page</a>.
      </p>
    </>
  );
}

export function RunPage(view: RunView): JSX.Element {
  const { submission, course, assignment } = view;
  const base = staffPaths.graderTests(course.id, assignment.id);
  const self = `${base}/runs/${encodeURIComponent(submission.id)}`;
  const graded = submission.status === 'graded';
  const versionText = view.version === null ? 'a grader version' : `version ${versionName(view.version)}`;
  const extra = (
    <>
      <section aria-labelledby="sample-heading">
        <h2 id="sample-heading">The sample</h2>
        <ul>
          {submission.files.map((f) => (
            <li>
              <code safe>{f.path}</code> <span class="muted" safe>{`(${f.size} bytes)`}</span>
            </li>
          ))}
        </ul>
        <p>
          <a href={staffPaths.submission(submission.id)}>The submission's own page</a>
        </p>
      </section>
      {graded && (
        <section aria-labelledby="pin-heading">
          <h2 id="pin-heading">Keep it as a golden</h2>
          <form method="post" action={`${base}/goldens`} class="card">
            <input type="hidden" name="_csrf" value={view.ctx.csrfToken ?? ''} />
            <input type="hidden" name="submission" value={submission.id} />
            <label for="pin-label">Label (optional)</label>
            <input type="text" id="pin-label" name="label" maxlength="200" />
            <p>
              <button type="submit">Pin as golden</button>
            </p>
          </form>
        </section>
      )}
    </>
  );
  return (
    <TestingFrame {...view} title={`Test run of part ${view.partId}`} live={graded ? null : `${self}/live`} refresh={self} extra={extra}>
      <p>
        <span safe>{`Part ${view.partId}, ${versionText}, sample `}</span>
        <code safe>{submission.id}</code>
        <span safe>{` by ${submission.login}, `}</span>
        <Time iso={submission.submittedAt} />
      </p>
      <RunStatus submission={submission} partId={view.partId} progress={view.progress} />
    </TestingFrame>
  );
}

// ---- an autograde script test run ----

export function AutogradeTestStatus(props: { test: AutogradeTest }): JSX.Element {
  const { test } = props;
  const safeDetail = test.detail === null ? '' : renderUntrusted(test.detail, 'text');
  return (
    <>
      <p>
        Status: <strong class={`status ${test.status}`}>{test.status}</strong>
        {test.grade !== null && <span safe>{` · grade ${test.grade} of 100`}</span>}
      </p>
      <h3>Simulated part results</h3>
      <ul>
        {test.parts.map((p) => (
          <li safe>{`${p.part}: ${p.earned === null ? 'not answered' : `${p.earned} of ${p.points} points`}`}</li>
        ))}
      </ul>
      {/* A graded run's detail is its feedback, shown with the whole result below. */}
      {test.detail !== null && (test.status === 'error' || test.result === null) && (
        <>
          <h3>{test.status === 'error' ? 'Why there is no grade' : "The script's feedback"}</h3>
          {safeDetail}
        </>
      )}
      {test.lastError !== null && <p class="notice warn" safe>{`The last attempt failed: ${test.lastError}`}</p>}
      {test.result !== null && (
        <>
          <h3>The whole result</h3>
          <StaffResult result={test.result} earned={null} caption="Tests the script reported" openOutput />
        </>
      )}
    </>
  );
}

export function AutogradeTestPage(view: Frame & { test: AutogradeTest }): JSX.Element {
  const { test } = view;
  const self = `${staffPaths.graderTests(view.course.id, view.assignment.id)}/autograde-tests/${encodeURIComponent(test.id)}`;
  const done = test.status === 'graded' || test.status === 'error';
  return (
    <TestingFrame {...view} title={`Autograde script test, ${versionName(test.grader)}`} live={done ? null : `${self}/live`} refresh={self}>
      <p>
        <span safe>{`Requested by ${test.requestedBy}, `}</span>
        <Time iso={test.queuedAt} />
        <span safe>{`; sample ${test.submissionId}`}</span>
      </p>
      <AutogradeTestStatus test={test} />
    </TestingFrame>
  );
}

// ---- a robustness report ----

export function RobustnessStatus(props: { report: ServerCheckReport; base: string }): JSX.Element {
  const { report } = props;
  const waiting = report.cases.filter((c) => c.pending !== null).length;
  return (
    <>
      <p safe>
        {`${report.summary.good} good, ${report.summary.bad} bad, ${report.summary.skipped} skipped${waiting > 0 ? `, ${waiting} still being graded` : ''}.`}
      </p>
      {report.done && (
        <p class={`notice ${report.summary.allHandled ? 'ok' : 'error'}`}>
          {report.summary.allHandled ? 'The grader handled every case it was given.' : 'The grader mishandled some cases: see the reasons below.'}
        </p>
      )}
      <ul class="cards">
        {report.cases.map((c) => {
          const verdict = c.pending !== null ? 'pending' : c.verdict;
          return (
            <li class="card">
              <h3>
                <code safe>{c.id}</code> <span class={`verdict ${verdict}`}>{c.pending !== null ? `waiting (${c.pending})` : c.verdict}</span>
              </h3>
              <p safe>{c.title}</p>
              {c.expect !== '' && <p class="muted" safe>{`What a grader should do: ${c.expect}.`}</p>}
              {c.pending === null && c.reasons.length > 0 && (
                <ul>
                  {c.reasons.map((r) => (
                    <li safe>{r}</li>
                  ))}
                </ul>
              )}
              {c.result !== null && (
                <p>
                  <span class={`status ${c.result.status}`}>
                    {c.result.status}
                  </span>
                  <span safe>{c.result.score === null ? '' : ` · score ${(c.result.score * 100).toFixed(1)}%`}</span>
                </p>
              )}
              {c.submissionId !== undefined && (
                <p>
                  <a href={`${props.base}/runs/${encodeURIComponent(c.submissionId)}`} aria-label={`The whole result of case ${c.id}`}>
                    The whole result
                  </a>
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function RobustnessPage(view: Frame & { report: ServerCheckReport; version: GraderVersion | null }): JSX.Element {
  const { report } = view;
  const base = staffPaths.graderTests(view.course.id, view.assignment.id);
  const self = `${base}/robustness/${encodeURIComponent(report.check.id)}`;
  return (
    <TestingFrame {...view} title={`Robustness of part ${report.check.partId}`} live={report.done ? null : `${self}/live`} refresh={self}>
      <p>
        <span safe>{`Version ${view.version === null ? report.check.graderVersionId : versionName(view.version)}, checked by ${report.check.requestedBy}, `}</span>
        <Time iso={report.check.createdAt} />
      </p>
      <RobustnessStatus report={report} base={base} />
    </TestingFrame>
  );
}
