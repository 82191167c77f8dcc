/**
 * The staff sections of a submission's page: whose it is, every job of every part (official,
 * regrade, shadow) with its phases and timings, the grader's whole result (every test, hidden ones
 * marked, stdout and stderr) and the `gradebox grade remote` command that runs it again. Rendered
 * only for the course's staff, from `Platform.listSubmissionJobs` (403 for students). Grader-written
 * text goes through render-feedback.ts only.
 */
import type { PartResult, Submission } from '../../../platform/model.ts';
import type { StaffJob, SubmissionJobs } from '../../../platform/submission-jobs.ts';
import { renderUntrusted } from '../../web/render-feedback.ts';
import { Time } from '../../web/layout.tsx';
import { staffPaths } from '../../web/staff-nav.tsx';

/** Characters of stdout or stderr shown on the page; the whole text is a download. */
export const SHOWN_OUTPUT_CHARS = 20_000;

const PHASES = ['queued', 'preparing', 'running', 'reporting', 'done'] as const;
const PHASE_WORDS: Record<(typeof PHASES)[number], string> = {
  queued: 'queued',
  preparing: 'claimed, preparing',
  running: 'running',
  reporting: 'saving the result',
  done: 'finished',
};

/** 350 ms, 1.2 s, 3 min 4 s, 2 h 5 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Where the page's archive and output downloads live (this page's own routes). */
export const submissionDownloads = {
  archive: (submission: string) => `${staffPaths.submission(submission)}/archive`,
  output: (submission: string, job: string, stream: 'stdout' | 'stderr') => `${staffPaths.submission(submission)}/jobs/${encodeURIComponent(job)}/${stream}`,
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

function OutputStream(props: { submissionId: string; jobId: string; name: 'stdout' | 'stderr'; text: string; result: PartResult }): JSX.Element {
  const captured = props.result.full?.output[props.name];
  const cut = props.text.length > SHOWN_OUTPUT_CHARS;
  const safeText = renderUntrusted(cut ? props.text.slice(0, SHOWN_OUTPUT_CHARS) : props.text, 'text');
  const size = captured === undefined ? `${props.text.length} characters` : `${captured.bytes} bytes`;
  return (
    <details class="output">
      <summary>
        <span>{props.name}</span> <span class="muted" safe>{`(${size})`}</span>
      </summary>
      {props.text === '' ? <p class="muted">Empty.</p> : safeText}
      {cut && (
        <p class="muted">
          <span safe>{`Only the first ${SHOWN_OUTPUT_CHARS.toLocaleString('en')} of ${props.text.length.toLocaleString('en')} characters are shown: `}</span>
          <a href={submissionDownloads.output(props.submissionId, props.jobId, props.name)} download={`${props.jobId}-${props.name}.txt`} safe>{`download the whole ${props.name}`}</a>.
        </p>
      )}
      {captured?.truncated === true && <p class="muted" safe>{`The grader wrote ${captured.bytes} bytes; only the first were kept (the output cap).`}</p>}
    </details>
  );
}

function JobResult(props: { submissionId: string; job: StaffJob; result: PartResult }): JSX.Element {
  const { result, job } = props;
  const full = result.full;
  const run = full?.run;
  const safeFeedback = result.feedback.text === '' ? '' : renderUntrusted(result.feedback.text, result.feedback.format);
  return (
    <>
      <dl class="facts">
        <dt>Result</dt>
        <dd>
          <span class={`status ${result.status}`}>{result.status}</span>
          {result.points !== null && <span safe>{` · ${result.points} points (score ${result.score ?? '–'})`}</span>}
        </dd>
        {run !== undefined && (
          <>
            <dt>Run</dt>
            <dd safe>
              {`${run.reason}, exit code ${run.exitCode ?? 'none'}${run.signal === null ? '' : `, signal ${run.signal}`} · ${formatDuration(run.wallMs)} wall, ${formatDuration(run.cpuMs)} CPU, ${Math.round(run.peakMemoryBytes / 1024 / 1024)} MiB peak`}
            </dd>
            <dt>Protocol</dt>
            <dd>{full!.protocol}</dd>
          </>
        )}
      </dl>
      {full !== null && full.errors.length > 0 && (
        <>
          <h5>Errors in the grader’s output</h5>
          <ul>
            {full.errors.map((error) => (
              <li safe>{error}</li>
            ))}
          </ul>
        </>
      )}
      {full !== null && full.warnings.length > 0 && (
        <>
          <h5>Warnings</h5>
          <ul>
            {full.warnings.map((warning) => (
              <li safe>{warning}</li>
            ))}
          </ul>
        </>
      )}
      {result.feedback.text !== '' && (
        <details>
          <summary>Feedback</summary>
          {safeFeedback}
        </details>
      )}
      {result.tests.length > 0 && (
        <div class="table-wrap">
          <table class="tests">
            <caption safe>{`Tests of ${job.id}, as the grader reported them`}</caption>
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col">Status</th>
                <th scope="col">Score</th>
                <th scope="col">Students see it</th>
              </tr>
            </thead>
            <tbody>
              {result.tests.map((test) => {
                const safeOutput = test.output === '' ? '' : renderUntrusted(test.output, test.outputFormat);
                return (
                  <tr class={test.visibility === 'hidden' ? 'hidden-test' : undefined}>
                    <th scope="row">
                      <span safe>{test.name}</span>
                      {test.output !== '' && (
                        <details>
                          <summary>output</summary>
                          {safeOutput}
                        </details>
                      )}
                    </th>
                    <td class={test.status ?? ''}>{test.status ?? 'info'}</td>
                    <td safe>{test.score === null ? '' : `${test.score}${test.maxScore === null ? '' : ` / ${test.maxScore}`}`}</td>
                    <td safe>{test.visibility === 'visible' ? 'yes' : test.visibility === 'hidden' ? 'hidden: never' : test.visibility.replace(/_/g, ' ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {result.output !== null && (
        <>
          <OutputStream submissionId={props.submissionId} jobId={job.id} name="stdout" text={result.output.stdout} result={result} />
          <OutputStream submissionId={props.submissionId} jobId={job.id} name="stderr" text={result.output.stderr} result={result} />
        </>
      )}
    </>
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
        <dd safe>{job.worker ?? (job.phase === 'done' ? 'not recorded once finished' : 'none yet')}</dd>
        {job.lastError !== null && (
          <>
            <dt>Last system error</dt>
            <dd safe>{job.lastError}</dd>
          </>
        )}
      </dl>
      <PhaseTable job={job} />
      {job.result === null ? <p class="muted">No result yet.</p> : <JobResult submissionId={job.submissionId} job={job} result={job.result} />}
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
  const parts = [...new Set([...submission.parts.map((p) => p.partId), ...jobs.jobs.map((j) => j.partId)])];
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
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Grading jobs</h2>
        <p class="muted">
          Every job of every part, oldest first: the submission’s own, regrades and dry runs (shadow jobs, which students and grades do not see). <a href={staffPaths.submission(submission.id)}>Refresh</a> for the latest.
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
    </>
  );
}
