/**
 * A grading result as staff see it on the testing pages: every test (hidden ones marked), the
 * score, the grader's errors and warnings, its whole captured stdout and stderr, and the timings.
 * All grader-written text goes through render-feedback.ts.
 */
import type { GradeResult } from '../../../grader/grade-result.ts';
import type { GradingJob, JobPhase } from '../../../platform/model.ts';
import { renderUntrusted } from '../../web/render-feedback.ts';
import { Time } from '../../web/layout.tsx';

const VISIBILITY_WORDS: Record<string, string> = {
  visible: 'visible to students',
  hidden: 'hidden from students',
  after_due_date: 'shown to students after the due date',
  after_published: 'shown to students once grades are published',
};

const PHASES: readonly JobPhase[] = ['queued', 'preparing', 'running', 'reporting', 'done'];

function bytesText(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function Output(props: { name: string; output: GradeResult['output']['stdout'] }): JSX.Element {
  const { output } = props;
  const safeText = output.text === '' ? '' : renderUntrusted(output.text, 'text');
  return (
    <>
      <h3 safe>{props.name}</h3>
      <p class="muted" safe>
        {`${bytesText(output.bytes)} written${output.truncated ? '; only the first part was kept (the capture cap)' : ''}`}
      </p>
      {output.text === '' ? <p class="muted">(empty)</p> : safeText}
    </>
  );
}

/** One part's result (`full`, staff only) with its job's timings. */
export function StaffResult(props: { result: GradeResult; points: number | null; partPoints: number; job: GradingJob | null }): JSX.Element {
  const { result, job } = props;
  const safeFeedback = result.feedback.text === '' ? '' : renderUntrusted(result.feedback.text, result.feedback.format);
  const score = result.score === null ? 'no score' : `score ${(result.score * 100).toFixed(1)}%`;
  return (
    <div class="staff-result">
      <p>
        <span class={`status ${result.status}`}>
          {result.status}
        </span>
        <span safe>{` · ${score}`}</span>
        {props.points !== null && <span safe>{` · ${props.points} of ${props.partPoints} points`}</span>}
      </p>
      {result.errors.length > 0 && (
        <div class="notice error">
          <h3>Grader errors</h3>
          <ul>
            {result.errors.map((e) => (
              <li safe>{e}</li>
            ))}
          </ul>
        </div>
      )}
      {result.warnings.length > 0 && (
        <div class="notice warn">
          <h3>Warnings for the author</h3>
          <ul>
            {result.warnings.map((w) => (
              <li safe>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <h3>Feedback</h3>
      {result.feedback.text === '' ? <p class="muted">(none)</p> : safeFeedback}
      {result.tests.length > 0 && (
        <>
          <h3 safe>{`Tests (${result.tests.length})`}</h3>
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
                      <span safe>{score}</span> <span class={`visibility vis-${test.visibility}`} safe>{`(${VISIBILITY_WORDS[test.visibility] ?? test.visibility})`}</span>
                    </summary>
                    {test.output === '' ? <p class="muted">(no output)</p> : safeOutput}
                  </details>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <Output name="Standard output (stdout)" output={result.output.stdout} />
      <Output name="Standard error (stderr)" output={result.output.stderr} />
      <p class="muted">
        {result.output.visibleToStudents ? 'The grader made its output visible to students.' : 'Students do not see this output.'}
      </p>
      <h3>Timings</h3>
      <dl class="facts">
        <dt>Run ended</dt>
        <dd safe>{`${result.run.reason}${result.run.exitCode === null ? '' : `, exit code ${result.run.exitCode}`}${result.run.signal === null ? '' : `, signal ${result.run.signal}`}`}</dd>
        <dt>Wall time</dt>
        <dd safe>{`${(result.run.wallMs / 1000).toFixed(2)} s`}</dd>
        <dt>CPU time</dt>
        <dd safe>{`${(result.run.cpuMs / 1000).toFixed(2)} s`}</dd>
        <dt>Peak memory</dt>
        <dd safe>{bytesText(result.run.peakMemoryBytes)}</dd>
        {job !== null &&
          PHASES.filter((phase) => job.phases[phase] !== undefined).map((phase) => (
            <>
              <dt safe>{`Phase ${phase}`}</dt>
              <dd>
                <Time iso={job.phases[phase]!} />
              </dd>
            </>
          ))}
      </dl>
    </div>
  );
}
