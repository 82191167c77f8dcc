/**
 * A grading result as staff read it, wherever they read one (a submission's jobs, a test run of a
 * draft, a test of an autograde script): status and points, how the run ended, the grader's
 * errors and warnings, the feedback, every test (hidden ones marked), and its stdout and stderr
 * (long output cut, with a download of the whole where there is one). Grader-written text goes
 * through render-feedback.ts only.
 */
import type { GradeResult } from '../../grader/grade-result.ts';
import { renderUntrusted } from './render-feedback.ts';

/** Characters of stdout or stderr shown on a page; the whole text is a download where the page has one. */
export const SHOWN_OUTPUT_CHARS = 20_000;

/** 350 ms, 1.2 s, 3 min 4 s, 2 h 5 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export interface StaffResultProps {
  result: GradeResult;
  /** The points the result earned in its part, of how many; null where it is no part's (an autograde script's grade). */
  earned: number | null;
  possible?: number | null;
  /** Show stdout and stderr unfolded (where they are what the page is for: a test run). */
  openOutput?: boolean;
  /** Names the tests table (which job or run it belongs to). */
  caption: string;
  /** Where the whole stdout and stderr download, when the page offers it. */
  downloads?: { stdout: string; stderr: string };
}

function OutputStream(props: { name: 'stdout' | 'stderr'; captured: GradeResult['output']['stdout']; download: string | undefined; open: boolean }): JSX.Element {
  const { text } = props.captured;
  const cut = text.length > SHOWN_OUTPUT_CHARS;
  const safeText = renderUntrusted(cut ? text.slice(0, SHOWN_OUTPUT_CHARS) : text, 'text');
  return (
    <details class="output" open={props.open}>
      <summary>
        <span>{props.name}</span> <span class="muted" safe>{`(${props.captured.bytes} bytes)`}</span>
      </summary>
      {text === '' ? <p class="muted">Empty.</p> : safeText}
      {cut && (
        <p class="muted">
          <span safe>{`Only the first ${SHOWN_OUTPUT_CHARS.toLocaleString('en')} of ${text.length.toLocaleString('en')} characters are shown`}</span>
          {props.download === undefined ? (
            '.'
          ) : (
            <>
              :{' '}
              <a href={props.download} download="" safe>{`download the whole ${props.name}`}</a>.
            </>
          )}
        </p>
      )}
      {props.captured.truncated && <p class="muted" safe>{`The grader wrote ${props.captured.bytes} bytes; only the first were kept (the output cap).`}</p>}
    </details>
  );
}

function visibilityText(visibility: string): string {
  if (visibility === 'visible') return 'yes';
  if (visibility === 'hidden') return 'hidden: never';
  return visibility.replace(/_/g, ' ');
}

export function StaffResult(props: StaffResultProps): JSX.Element {
  const { result } = props;
  const { run } = result;
  const safeFeedback = result.feedback.text === '' ? '' : renderUntrusted(result.feedback.text, result.feedback.format);
  const score = result.score === null ? 'no score' : `score ${Math.round(result.score * 1000) / 10}%`;
  return (
    <>
      <dl class="facts">
        <dt>Result</dt>
        <dd>
          <span class={`status ${result.status}`}>{result.status}</span>
          <span safe>{props.earned === null ? ` · ${score}` : ` · ${props.earned}${props.possible == null ? '' : ` of ${props.possible}`} points (${score})`}</span>
        </dd>
        <dt>Run</dt>
        <dd safe>
          {`${run.reason}, exit code ${run.exitCode ?? 'none'}${run.signal === null ? '' : `, signal ${run.signal}`} · ${formatDuration(run.wallMs)} wall, ${formatDuration(run.cpuMs)} CPU, ${Math.round(run.peakMemoryBytes / 1024 / 1024)} MiB peak`}
        </dd>
        <dt>Protocol</dt>
        <dd>{result.protocol ?? 'none'}</dd>
        <dt>Output</dt>
        <dd>{result.output.visibleToStudents ? 'visible to students' : 'for staff only'}</dd>
      </dl>
      {result.errors.length > 0 && (
        <>
          <h4>Errors in the grader’s output</h4>
          <ul>
            {result.errors.map((error) => (
              <li safe>{error}</li>
            ))}
          </ul>
        </>
      )}
      {result.warnings.length > 0 && (
        <>
          <h4>Warnings for the author</h4>
          <ul>
            {result.warnings.map((warning) => (
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
            <caption safe>{props.caption}</caption>
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
                    <td safe>{visibilityText(test.visibility)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <OutputStream name="stdout" captured={result.output.stdout} download={props.downloads?.stdout} open={props.openOutput === true} />
      <OutputStream name="stderr" captured={result.output.stderr} download={props.downloads?.stderr} open={props.openOutput === true} />
    </>
  );
}
