/**
 * The regrade page of an assignment: the open regrade (its live progress, or a finished dry run's
 * preview with apply and discard) or else the form that starts one, and the history of past ones.
 */
import type { Assignment, Course } from '../../../platform/model.ts';
import type { Regrade, RegradeGrader, RegradePreview } from '../../../platform/regrade-model.ts';
import { describeSpan, Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { graderValue } from './regrade-form.ts';
import { PreviewSection } from './regrade-preview.tsx';

/** The page's own routes under staffPaths.regrade: one regrade's stream and actions. */
export function regradeActionBase(courseId: string, assignmentId: string, regradeId: string): string {
  return `${staffPaths.regrade(courseId, assignmentId)}/${encodeURIComponent(regradeId)}`;
}

/** Whether a regrade still holds the assignment's one open slot. */
export function isOpen(regrade: Regrade): boolean {
  return regrade.state === 'running' || (regrade.dryRun && regrade.state === 'finished');
}

export function graderWords(grader: RegradeGrader): string {
  return grader.kind === 'published' ? 'the published grader' : grader.kind === 'draft' ? 'the draft' : `version ${grader.number}`;
}

function kindWords(regrade: Regrade): string {
  return regrade.dryRun ? 'Dry run' : 'Regrade';
}

function selectionWords(regrade: Regrade): string {
  const students = regrade.students === null ? 'every student' : `${regrade.students.length} student${regrade.students.length === 1 ? '' : 's'}`;
  const parts = regrade.parts === null ? 'every part' : `part${regrade.parts.length === 1 ? '' : 's'} ${regrade.parts.join(', ')}`;
  return `${students}, ${parts}`;
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function countsWords(regrade: Regrade): string {
  const p = regrade.progress;
  return `${p.done} of ${p.total} jobs done${p.failed > 0 ? `, ${p.failed} failed` : ''}${p.cancelled > 0 ? `, ${p.cancelled} cancelled` : ''}`;
}

/** The live part: swapped in by htmx from the page's stream while the regrade runs. */
export function RegradeProgress(props: { regrade: Regrade }): JSX.Element {
  const { regrade } = props;
  const p = regrade.progress;
  const running = regrade.state === 'running';
  const page = staffPaths.regrade(regrade.courseId, regrade.assignmentId);
  const eta = p.etaSeconds === null ? '' : `; about ${p.etaSeconds < 60 ? `${p.etaSeconds} s` : describeSpan(p.etaSeconds).replace(/^in /, '')} left`;
  return (
    <>
      <progress id="regrade-bar" max={String(p.total)} value={String(p.done)} aria-labelledby="regrade-counts"></progress>
      <p id="regrade-counts" safe>
        {`${countsWords(regrade)}${eta}`}
      </p>
      {!running && (
        <p class="notice ok" id="regrade-ended">
          <strong safe>{regrade.state === 'finished' ? 'Finished.' : `Ended: ${regrade.state}.`}</strong>{' '}
          {regrade.dryRun && regrade.state === 'finished' ? (
            <a href={page}>Show the preview</a>
          ) : regrade.dryRun ? (
            <a href={page}>Back to the regrade page</a>
          ) : (
            <>
              Its results are official. <a href={staffPaths.assignmentGradebook(regrade.courseId, regrade.assignmentId)}>See the grades</a>
            </>
          )}
        </p>
      )}
    </>
  );
}

function RunningSection(props: { regrade: Regrade; csrfToken: string }): JSX.Element {
  const { regrade } = props;
  const base = regradeActionBase(regrade.courseId, regrade.assignmentId, regrade.id);
  return (
    <>
      <div id="regrade-progress" aria-live="polite" hx-ext="sse" sse-connect={`${base}/live`} sse-swap="progress" sse-close="done">
        <RegradeProgress regrade={regrade} />
      </div>
      <p class="muted">
        This updates by itself. <a href={staffPaths.regrade(regrade.courseId, regrade.assignmentId)}>Refresh</a> if it does not.
      </p>
      {/* A cancelled dry run can only be discarded: the page does both at once (discard cancels first). */}
      <form method="post" action={`${base}/${regrade.dryRun ? 'discard' : 'cancel'}`}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="secondary">
          {regrade.dryRun ? 'Stop and discard the dry run' : 'Cancel the regrade'}
        </button>
      </form>
    </>
  );
}

function OpenSection(props: { regrade: Regrade; preview: RegradePreview | null; applyRefusal: string | null; csrfToken: string }): JSX.Element {
  const { regrade } = props;
  return (
    <section aria-labelledby="open-heading">
      <h2 id="open-heading" safe>
        {`${kindWords(regrade)} ${regrade.id}`}
      </h2>
      <p>
        <span safe>{`${capitalized(selectionWords(regrade))}, with ${graderWords(regrade.grader)}; started by ${regrade.createdBy}`}</span> <Time iso={regrade.createdAt} />. One regrade of an assignment
        is open at a time: {regrade.state === 'running' ? 'wait for it or cancel it' : 'apply or discard it'} before starting another.
      </p>
      {regrade.state === 'running' ? (
        <RunningSection regrade={regrade} csrfToken={props.csrfToken} />
      ) : (
        props.preview !== null && (
          <PreviewSection
            preview={props.preview}
            csrfToken={props.csrfToken}
            actionBase={regradeActionBase(regrade.courseId, regrade.assignmentId, regrade.id)}
            applyRefusal={props.applyRefusal}
          />
        )
      )}
    </section>
  );
}

/** A version number the form offers, with the parts that have it. */
export interface VersionChoice {
  number: number;
  parts: string[];
}

function StartForm(props: { course: Course; assignment: Assignment; versions: VersionChoice[]; csrfToken: string }): JSX.Element {
  const { course, assignment } = props;
  return (
    <section aria-labelledby="start-heading">
      <h2 id="start-heading">Start a regrade</h2>
      <p>
        Regrades each chosen student's submission that counts, with bulk-priority jobs (students' own submissions go first). A dry run grades into shadow
        results: nothing changes for students until it is applied.
      </p>
      <form method="post" action={staffPaths.regrade(course.id, assignment.id)} class="card regrade-start">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <fieldset>
          <legend>Students</legend>
          <label class="choice">
            <input type="radio" name="who" value="all" checked /> Every student
          </label>
          <label class="choice">
            <input type="radio" name="who" value="some" /> Only these students
          </label>
          <label for="students">Logins (separated by spaces, commas or lines)</label>
          <textarea id="students" name="students" rows="3"></textarea>
        </fieldset>
        <fieldset>
          <legend>Parts</legend>
          {assignment.parts.map((part) => (
            <label class="choice">
              <input type="checkbox" name="part" value={part.id} checked /> <span safe>{`${part.id} (${part.points} points)`}</span>
            </label>
          ))}
        </fieldset>
        <label for="grader">Grader</label>
        <select id="grader" name="grader">
          <option value="published">the published grader of each part</option>
          <option value="draft">the newest draft of each part (dry run only)</option>
          {props.versions.map((v) => (
            <option value={graderValue({ kind: 'version', number: v.number })} safe>
              {`version ${v.number} (${v.parts.join(', ')})`}
            </option>
          ))}
        </select>
        <label class="choice">
          <input type="checkbox" name="dryRun" value="on" checked /> Dry run: preview every change, then apply or discard
        </label>
        <p>
          <button type="submit">Start</button>
        </p>
      </form>
    </section>
  );
}

function History(props: { regrades: Regrade[] }): JSX.Element {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {props.regrades.length === 0 ? (
        <p>No regrade of this assignment yet.</p>
      ) : (
        <div class="table-wrap">
          <table id="regrade-history">
            <caption>Regrades of this assignment, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Regrade</th>
                <th scope="col">What</th>
                <th scope="col">Jobs</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
                <th scope="col">Ended</th>
              </tr>
            </thead>
            <tbody>
              {props.regrades.map((r) => (
                <tr>
                  <th scope="row">
                    <code safe>{r.id}</code>
                  </th>
                  <td safe>{`${kindWords(r)}: ${selectionWords(r)}, with ${graderWords(r.grader)}`}</td>
                  <td safe>{countsWords(r)}</td>
                  <td class={`outcome ${r.state}`}>
                    {r.state}
                  </td>
                  <td>
                    <Time iso={r.createdAt} /> <span safe>{`by ${r.createdBy}`}</span>
                  </td>
                  <td>
                    {r.closedAt !== null ? (
                      <>
                        <Time iso={r.closedAt} /> <span safe>{`by ${r.closedBy ?? 'gradebox'}`}</span>
                      </>
                    ) : r.finishedAt !== null ? (
                      <Time iso={r.finishedAt} />
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What just happened (after a post), told once: `?done=ID`. */
function Notice(props: { regrade: Regrade }): JSX.Element {
  const { regrade } = props;
  const gradebook = staffPaths.assignmentGradebook(regrade.courseId, regrade.assignmentId);
  switch (regrade.state) {
    case 'applied':
      return (
        <div class="notice ok" role="status" id="regrade-notice">
          <p>
            <span safe>{`Applied ${regrade.id}: its results are official and the students' grades are updated${regrade.grader.kind === 'draft' ? '; the draft is published' : ''}.`}</span>{' '}
            <a href={gradebook}>See the grades</a>
          </p>
        </div>
      );
    case 'discarded':
    case 'cancelled':
      return (
        <div class="notice" role="status" id="regrade-notice">
          <p safe>{`${kindWords(regrade)} ${regrade.id} is ${regrade.state}.`}</p>
        </div>
      );
    default:
      return <></>;
  }
}

export interface RegradeView {
  ctx: PageContext & { csrfToken: string };
  course: Course;
  assignment: Assignment;
  /** Newest first. */
  regrades: Regrade[];
  open: Regrade | null;
  preview: RegradePreview | null;
  applyRefusal: string | null;
  versions: VersionChoice[];
  notice: Regrade | null;
}

export function RegradePage(view: RegradeView): JSX.Element {
  const { course, assignment, open } = view;
  const live = open?.state === 'running';
  return (
    <Layout ctx={view.ctx} title={`Regrade ${assignment.title}`} htmx={live} scripts={open !== null && view.preview !== null ? ['tables.js'] : []} wide={view.preview !== null}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a> ›{' '}
        <a href={staffPaths.assignment(course.id, assignment.id)} safe>
          {assignment.title}
        </a>
      </nav>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="regrade" />
      <h1 safe>{`Regrade ${assignment.title}`}</h1>
      {view.notice !== null && <Notice regrade={view.notice} />}
      {open !== null ? (
        <OpenSection regrade={open} preview={view.preview} applyRefusal={view.applyRefusal} csrfToken={view.ctx.csrfToken} />
      ) : (
        <StartForm course={course} assignment={assignment} versions={view.versions} csrfToken={view.ctx.csrfToken} />
      )}
      <History regrades={view.regrades} />
    </Layout>
  );
}
