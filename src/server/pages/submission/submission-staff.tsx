/**
 * The staff sections of a submission's page: whose it is, every job of every part (official,
 * regrade, shadow) with its phases and timings, the grader's whole result (job-result.tsx) and the
 * `gradebox grade remote` command that runs it again. Rendered only for the course's staff, from
 * `Platform.listSubmissionJobs` (403 for students).
 */
import type { Submission } from '../../../platform/model.ts';
import type { StaffJob, SubmissionJobs } from '../../../platform/submission-jobs.ts';
import { Time } from '../../web/layout.tsx';
import { staffPaths } from '../../web/staff-nav.tsx';
import { formatDuration, StaffResult } from '../../web/staff-result.tsx';

/** Where the page's archive and output downloads live (routes of submission-route.tsx). */
export const submissionDownloads = {
  archive: (submission: string) => `${staffPaths.submission(submission)}/archive`,
  output: (submission: string, job: string, stream: 'stdout' | 'stderr') => `${staffPaths.submission(submission)}/jobs/${encodeURIComponent(job)}/${stream}`,
};

const PHASES = ['queued', 'preparing', 'running', 'reporting', 'done'] as const;

const PHASE_WORDS: Record<(typeof PHASES)[number], string> = {
  queued: 'queued',
  preparing: 'claimed, preparing',
  running: 'running',
  reporting: 'saving the result',
  done: 'finished',
};

/** The command that grades the job's part again on one's own machine, with the same grader version. */
export function gradeRemoteCommand(origin: string | null, job: Pick<StaffJob, 'submissionId' | 'partId' | 'graderVersionId'>): string {
  const server = origin === null ? '' : ` --server ${origin}`;
  return `gradebox grade remote ${job.submissionId} --part ${job.partId} --version ${job.graderVersionId}${server}`;
}

function jobKind(job: StaffJob): string {
  if (job.shadow) return `dry-run regrade ${job.regradeId ?? ''} (shadow: not official)`;
  if (job.regradeId !== null) return `regrade ${job.regradeId}`;
  return 'the submission’s own grading';
}

function PhaseTable(props: { job: StaffJob }): JSX.Element {
  const { job } = props;
  const reached = PHASES.filter((phase) => job.phases[phase] !== undefined);
  return (
    <div class="table-wrap">
      <table>
        <caption safe>{`Phases of ${job.id}`}</caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Began</th>
            <th scope="col">Lasted</th>
          </tr>
        </thead>
        <tbody>
          {reached.map((phase, i) => {
            const began = job.phases[phase]!;
            const next = reached[i + 1];
            const lasted = next === undefined ? (phase === 'done' ? '' : 'still') : formatDuration(Date.parse(job.phases[next]!) - Date.parse(began));
            return (
              <tr>
                <th scope="row" safe>{PHASE_WORDS[phase]}</th>
                <td>
                  <Time iso={began} />
                </td>
                <td safe>{lasted}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function JobCard(props: { job: StaffJob; origin: string | null }): JSX.Element {
  const { job } = props;
  const command = gradeRemoteCommand(props.origin, job);
  const commandId = `command-${job.id}`;
  return (
    <li class="card job" id={`job-${job.id}`}>
      <h4>
        <code safe>{job.id}</code> <span class="muted" safe>{`· part ${job.partId}`}</span>
      </h4>
      <dl class="facts">
        <dt>Kind</dt>
        <dd safe>{jobKind(job)}</dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <dt>Grader</dt>
        <dd safe>{`${job.graderNumber === null ? '' : `v${job.graderNumber} · `}${job.graderVersionId}`}</dd>
        <dt>Phase</dt>
        <dd class="job-phase" safe>{PHASE_WORDS[job.phase]}</dd>
        <dt>Attempts</dt>
        <dd safe>{`${job.attempts}${job.systemErrors > 0 ? ` (${job.systemErrors} system error${job.systemErrors === 1 ? '' : 's'})` : ''}`}</dd>
        <dt>Worker</dt>
        <dd safe>{job.worker ?? (job.phase === 'done' ? 'not recorded' : 'none yet')}</dd>
        {job.lastError !== null && (
          <>
            <dt>Last system error</dt>
            <dd safe>{job.lastError}</dd>
          </>
        )}
      </dl>
      <PhaseTable job={job} />
      {job.result?.full == null ? (
        <p class="muted">No result yet.</p>
      ) : (
        <StaffResult
          result={job.result.full}
          earned={job.result.points}
          caption={`Tests of ${job.id}, as the grader reported them`}
          downloads={{ stdout: submissionDownloads.output(job.submissionId, job.id, 'stdout'), stderr: submissionDownloads.output(job.submissionId, job.id, 'stderr') }}
        />
      )}
      <h5>Run it again on your machine</h5>
      <pre class="command">
        <code id={commandId} safe>{command}</code>
      </pre>
      <p class="copy-row">
        <button type="button" class="secondary" data-copy={commandId} hidden>
          Copy the command
        </button>{' '}
        <span class="muted" role="status" data-copy-status={commandId}></span>
      </p>
    </li>
  );
}

/** Staff only: the submission's owner, archive, jobs and their whole results. */
export function SubmissionStaffSections(props: { submission: Submission; jobs: SubmissionJobs; origin: string | null }): JSX.Element {
  const { submission, jobs } = props;
  return (
    <>
      <section aria-labelledby="staff-heading" class="staff-submission">
        <h2 id="staff-heading">For staff</h2>
        <dl class="facts">
          <dt>Student</dt>
          <dd>
            <span safe>{jobs.owner.displayName}</span> (<code safe>{jobs.owner.login}</code>) ·{' '}
            <a href={staffPaths.assignmentGradebook(submission.courseId, submission.assignmentId)}>the assignment’s grades</a>
          </dd>
          <dt>Kind</dt>
          <dd>{submission.kind}</dd>
          <dt>Digest</dt>
          <dd>
            <code safe>{submission.digest}</code>
          </dd>
          <dt>Files</dt>
          <dd>
            <a href={submissionDownloads.archive(submission.id)} download={`${submission.id}.tar`}>
              Download the submission (tar)
            </a>
          </dd>
        </dl>
        <nav aria-label="Staff pages of this submission" class="staff">
          <ul>
            <li>
              <a href={staffPaths.assignment(submission.courseId, submission.assignmentId)}>Assignment (staff)</a>
            </li>
            <li>
              <a href={staffPaths.regrade(submission.courseId, submission.assignmentId)}>Regrade</a>
            </li>
            <li>
              <a href={staffPaths.courseQueue(submission.courseId)}>Grading queue</a>
            </li>
          </ul>
        </nav>
      </section>
      <StaffJobs submission={submission} jobs={jobs} origin={props.origin} />
    </>
  );
}

/**
 * Every job of every part. While the submission is being graded the page's live stream sends it
 * again after each change, `swapOutOfBand` (htmx replaces the section by its id, beside the status).
 */
export function StaffJobs(props: { submission: Submission; jobs: SubmissionJobs; origin: string | null; swapOutOfBand?: boolean }): JSX.Element {
  const { submission, jobs } = props;
  const parts = [...new Set([...submission.parts.map((p) => p.partId), ...jobs.jobs.map((j) => j.partId)])];
  return (
    <section id="staff-jobs" aria-labelledby="jobs-heading" hx-swap-oob={props.swapOutOfBand === true ? 'true' : undefined}>
      <h2 id="jobs-heading">Grading jobs</h2>
      <p class="muted">
        Every job of every part, oldest first: the submission’s own, regrades and dry runs (shadow jobs, which students and grades do not see).{' '}
        {submission.status === 'grading' ? 'This updates by itself while the submission is being graded.' : <><a href={staffPaths.submission(submission.id)}>Refresh</a> for the latest.</>}
      </p>
      {parts.map((partId) => {
        const partJobs = jobs.jobs.filter((j) => j.partId === partId);
        return (
          <section aria-label={`Jobs of part ${partId}`}>
            <h3 safe>{`Part ${partId}`}</h3>
            {partJobs.length === 0 ? (
              <p class="muted">No job: the part has no grader, or is held until completion.</p>
            ) : (
              <ul class="cards">
                {partJobs.map((job) => (
                  <JobCard job={job} origin={props.origin} />
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </section>
  );
}
