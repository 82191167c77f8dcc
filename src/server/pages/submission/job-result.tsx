/**
 * A job's whole result as staff read it on a submission's page: status and points, how the run
 * ended, the errors and warnings, the feedback, every test (hidden ones marked) and the grader's
 * stdout and stderr, long output cut with a download of the whole. Grader-written text goes
 * through render-feedback.ts only.
 */
import type { PartResult } from '../../../platform/model.ts';
import type { StaffJob } from '../../../platform/submission-jobs.ts';
import { renderUntrusted } from '../../web/render-feedback.ts';
import { staffPaths } from '../../web/staff-nav.tsx';

/** Characters of stdout or stderr shown on the page; the whole text is a download. */
export const SHOWN_OUTPUT_CHARS = 20_000;

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

export function JobResult(props: { submissionId: string; job: StaffJob; result: PartResult }): JSX.Element {
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
