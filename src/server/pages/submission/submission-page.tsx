/**
 * A submission: its live status, and once graded the feedback of each part with the tests the
 * grader made visible (the Platform's student view: never raw results). Grader-written text goes
 * through render-feedback.ts only.
 */
import type { PartProgress } from '../../../platform/grading-progress.ts';
import type { JobPhase, PartOutcome, Submission } from '../../../platform/model.ts';
import { renderUntrusted, renderSource } from '../../web/render-feedback.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { submissionScore } from '../assignment/assignment-page.tsx';
import type { SubmissionJobs } from '../../../platform/submission-jobs.ts';
import { SubmissionStaffSections } from './submission-staff.tsx';

const PHASE_WORDS: Record<JobPhase, string> = {
  queued: 'queued',
  preparing: 'preparing',
  running: 'running',
  reporting: 'saving the result',
  done: 'done',
};

/** "queued: 3 jobs wait before yours", "running", … */
export function describeProgress(progress: PartProgress | undefined): string {
  if (progress === undefined) return 'waiting for its grader';
  if (progress.phase === 'queued' && progress.waitingAhead !== null) {
    const n = progress.waitingAhead;
    return n === 0 ? 'queued: next in line' : `queued: about ${n} job${n === 1 ? '' : 's'} before yours`;
  }
  return PHASE_WORDS[progress.phase];
}

function PartFeedback(props: { part: PartOutcome; progress: PartProgress | undefined }): JSX.Element {
  const { part } = props;
  const result = part.result;
  const heading = `Part ${part.partId}`;
  if (result === null) {
    return (
      <section class="card" aria-label={heading}>
        <h3 safe>{heading}</h3>
        <p class="status" safe>
          {describeProgress(props.progress)}
        </p>
      </section>
    );
  }
  const safeFeedback = renderUntrusted(result.feedback.text, result.feedback.format);
  const safeStdout = result.output === null || result.full !== null ? '' : renderUntrusted(result.output.stdout, 'text');
  const safeStderr = result.output === null || result.full !== null ? '' : renderUntrusted(result.output.stderr, 'text');
  return (
    <section class="card" aria-label={heading}>
      <h3 safe>{heading}</h3>
      <p>
        <span class={`status ${result.status}`}>
          {result.status}
        </span>
        {result.points !== null && <span safe>{` · ${result.points} of ${part.points} points`}</span>}
      </p>
      {result.feedback.text !== '' && (
        <>
          <h4>Feedback</h4>
          {safeFeedback}
        </>
      )}
      {result.tests.length > 0 && (
        <>
          <h4>Tests</h4>
          <ul class="cards">
            {result.tests.map((test) => {
              const safeOutput = test.output === '' ? '' : renderUntrusted(test.output, test.outputFormat);
              const score = test.score === null ? '' : ` · ${test.score}${test.maxScore === null ? '' : ` / ${test.maxScore}`}`;
              return (
                <li>
                  <details>
                    <summary>
                      <span class={test.status ?? ''}>
                        {test.status ?? 'info'}
                      </span>{' '}
                      <span safe>{test.name}</span>
                      <span safe>{score}</span>
                    </summary>
                    {safeOutput}
                  </details>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {/* Staff (who get the whole result) read the output, cut to a size, with each job below. */}
      {result.full !== null && (
        <p>
          <a href={`#job-${result.jobId}`}>The grader’s output and the whole result</a> are with the job, under “Grading jobs”.
        </p>
      )}
      {result.full === null && result.output !== null && (result.output.stdout !== '' || result.output.stderr !== '') && (
        <details>
          <summary>Grader output</summary>
          {safeStdout}
          {safeStderr}
        </details>
      )}
    </section>
  );
}

/** The part of the page that changes: swapped in live by htmx's SSE extension. */
export function SubmissionStatus(props: { submission: Submission; progress: readonly PartProgress[] }): JSX.Element {
  const { submission } = props;
  const words =
    submission.status === 'graded' ? 'Graded' : submission.status === 'awaiting-completion' ? 'Stored: graded when your work is completed' : 'Being graded';
  return (
    <>
      <p>
        Status: <strong class={`status ${submission.status}`}>{words}</strong> · score <span safe>{submissionScore(submission)}</span>
      </p>
      {submission.parts.map((part) => (
        <PartFeedback part={part} progress={props.progress.find((p) => p.partId === part.partId)} />
      ))}
    </>
  );
}

export interface SubmissionView {
  ctx: PageContext;
  submission: Submission;
  progress: readonly PartProgress[];
  courseTitle: string;
  assignmentTitle: string;
  /** Small text files, highlighted. */
  sources: Array<{ path: string; content: string | null; size: number }>;
  /** The course's staff only: every job with its whole result, and the server's origin for the `grade remote` command. */
  staff?: { jobs: SubmissionJobs; origin: string | null };
}

export function SubmissionPage(view: SubmissionView): JSX.Element {
  const { submission } = view;
  const courseUrl = `/courses/${encodeURIComponent(submission.courseId)}`;
  const assignmentUrl = `${courseUrl}/assignments/${encodeURIComponent(submission.assignmentId)}`;
  const live = submission.status === 'grading';
  return (
    <Layout ctx={view.ctx} title={`Submission to ${view.assignmentTitle}`} htmx={live} scripts={view.staff === undefined ? undefined : ['copy-command.js']}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={courseUrl} safe>{view.courseTitle}</a> › <a href={assignmentUrl} safe>{view.assignmentTitle}</a>
      </nav>
      <h1 safe>{`Submission to ${view.assignmentTitle}`}</h1>
      <p>
        Submitted <Time iso={submission.submittedAt} /> by <span safe>{submission.login}</span> · <span safe>{`${submission.files.length} file(s), ${submission.totalBytes} bytes`}</span>
      </p>
      <section aria-labelledby="result-heading">
        <h2 id="result-heading">Result</h2>
        {live ? (
          <div id="status" aria-live="polite" hx-ext="sse" sse-connect={`/submissions/${encodeURIComponent(submission.id)}/live`} sse-swap="status" sse-close="done">
            <SubmissionStatus submission={submission} progress={view.progress} />
          </div>
        ) : (
          <div id="status">
            <SubmissionStatus submission={submission} progress={view.progress} />
          </div>
        )}
        {live && (
          <p class="muted">
            This updates by itself. <a href={`/submissions/${encodeURIComponent(submission.id)}`}>Refresh</a> if it does not.
          </p>
        )}
      </section>
      {view.staff !== undefined && <SubmissionStaffSections submission={submission} jobs={view.staff.jobs} origin={view.staff.origin} />}
      <section aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <ul class="cards">
          {view.sources.map((file) => (
            <li>
              <details>
                <summary>
                  <code safe>{file.path}</code> <span class="muted" safe>{`(${file.size} bytes)`}</span>
                </summary>
                {file.content === null ? <p class="muted">Too large or not text: not shown.</p> : (renderSource(file.path, file.content) as 'safe')}
              </details>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
