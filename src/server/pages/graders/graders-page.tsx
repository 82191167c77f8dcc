/** The graders page's templates: versions per part, the upload form, publish and its refusal. */
import { PROTOCOL_NAMES, PROTOCOLS } from '../../../grader/protocol-names.ts';
import { showBytes } from '../../../intake/byte-limit.ts';
import { describeOutcome } from '../../../platform/golden-check.ts';
import type { Assignment, AutogradeGrader, Course, GoldenDraftCheck, GraderLimitRanges, GraderVersion, Part } from '../../../platform/model.ts';
import { DEFAULT_LIMITS } from '../../../sandbox/limits.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { DRAFT_FIELD_LABELS } from './grader-form.ts';

export type GradersNotice = { kind: 'draft'; partId: string; number: number } | { kind: 'published'; count: number; accepted: number };

export interface GradersView {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
  parts: Array<{ part: Part; versions: GraderVersion[] }>;
  autograde: AutogradeGrader[];
  ranges: GraderLimitRanges;
  maxImageBytes: number;
  notice: GradersNotice | null;
}

/**
 * Whether to offer the publish button. Only a hint for the page: the Platform decides (and
 * refuses TAs with 403 whatever a page shows).
 */
function offersPublish(course: Course, ctx: PageContext): boolean {
  return course.myRole === 'instructor' || (course.myRole === null && ctx.user?.isAdmin === true);
}

/** Every grader's output limit (stdout and stderr together): the sandbox's, not set per version. */
const OUTPUT_LIMIT = showBytes(DEFAULT_LIMITS.outputLimitBytes);

function Breadcrumb(props: { course: Course; assignment: Assignment }): JSX.Element {
  return (
    <nav aria-label="Breadcrumb">
      <a href="/">My courses</a> › <a href={staffPaths.course(props.course.id)} safe>{props.course.title}</a> ›{' '}
      <a href={staffPaths.assignment(props.course.id, props.assignment.id)} safe>
        {props.assignment.title}
      </a>
    </nav>
  );
}

function shortDigest(imageId: string): string {
  return imageId.slice(0, 'sha256:'.length + 12);
}

function Stamp(props: { by: string | null; at: string | null }): JSX.Element {
  if (props.by === null || props.at === null) return <>—</>;
  return (
    <>
      <span safe>{props.by}</span>, <Time iso={props.at} />
    </>
  );
}

function VersionsTable(props: { caption: string; versions: Array<GraderVersion | AutogradeGrader>; id: string }): JSX.Element {
  if (props.versions.length === 0) return <p class="muted">No grader uploaded yet.</p>;
  return (
    <div class="table-wrap">
      <table id={props.id} class="versions">
        <caption safe>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Limits</th>
            <th scope="col">Image</th>
            <th scope="col">Protocol</th>
            <th scope="col">Runs as</th>
            <th scope="col">Uploaded</th>
            <th scope="col">Published</th>
          </tr>
        </thead>
        <tbody>
          {props.versions.map((v) => (
            <tr data-version={v.id}>
              <th scope="row" safe>{`v${v.number}`}</th>
              <td>
                <span class={`grader-state ${v.status}`}>
                  {v.status}
                </span>
              </td>
              <td>
                <ul class="limits">
                  <li safe>{`timeout ${v.timeoutSeconds} s`}</li>
                  <li safe>{`memory ${v.memoryMiB} MiB`}</li>
                  <li safe>{`${v.cpus} ${v.cpus === 1 ? 'CPU' : 'CPUs'}`}</li>
                  <li safe>{`output ${OUTPUT_LIMIT}`}</li>
                </ul>
              </td>
              <td>
                <details class="digest">
                  <summary>
                    <code safe>{shortDigest(v.imageId)}</code>
                  </summary>
                  <code safe>{v.imageId}</code>
                </details>
              </td>
              <td>{v.protocol ?? 'detected from the image'}</td>
              <td>
                <span safe>{v.runAs ?? 'the protocol\'s default'}</span>
                {v.script !== null && (
                  <div class="muted">
                    script <code safe>{[v.script.path, ...v.script.args].join(' ')}</code>
                  </div>
                )}
              </td>
              <td>
                <Stamp by={v.uploadedBy} at={v.uploadedAt} />
              </td>
              <td>
                <Stamp by={v.publishedBy} at={v.publishedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UploadForm(props: { view: GradersView; part: Part; index: number }): JSX.Element {
  const { view, part } = props;
  const { ranges } = view;
  const id = (name: string): string => `p${props.index}-${name}`;
  const action = `${staffPaths.graders(view.course.id, view.assignment.id)}/parts/${encodeURIComponent(part.id)}/drafts?csrf=${encodeURIComponent(view.ctx.csrfToken ?? '')}`;
  // The image is the last field: the server checks the settings before it reads the image.
  return (
    <form method="post" enctype="multipart/form-data" action={action} class="card grader-upload" data-grader-upload>
      <fieldset>
        <legend safe>{`New draft for part ${part.id}`}</legend>
        <div class="field-grid">
          <div>
            <label for={id('timeout')}>{DRAFT_FIELD_LABELS.timeoutSeconds}</label>
            <input type="number" id={id('timeout')} name="timeoutSeconds" min={String(ranges.timeoutSeconds.min)} max={String(ranges.timeoutSeconds.max)} step="1" placeholder={String(ranges.timeoutSeconds.default)} aria-describedby={id('limits-help')} />
          </div>
          <div>
            <label for={id('memory')}>{DRAFT_FIELD_LABELS.memoryMiB}</label>
            <input type="number" id={id('memory')} name="memoryMiB" min={String(ranges.memoryMiB.min)} max={String(ranges.memoryMiB.max)} step="1" aria-describedby={id('limits-help')} />
          </div>
          <div>
            <label for={id('cpus')}>{DRAFT_FIELD_LABELS.cpus}</label>
            <input type="number" id={id('cpus')} name="cpus" min={String(ranges.cpus.min)} max={String(ranges.cpus.max)} step="any" aria-describedby={id('limits-help')} />
          </div>
          <div>
            <label for={id('protocol')}>{DRAFT_FIELD_LABELS.protocol}</label>
            <select id={id('protocol')} name="protocol">
              <option value="">detect from the image</option>
              {PROTOCOL_NAMES.map((name) => (
                <option value={name} safe>
                  {`${name}: ${PROTOCOLS[name].summary}`}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for={id('run-as')}>{DRAFT_FIELD_LABELS.runAs}</label>
            <input type="text" id={id('run-as')} name="runAs" maxlength="32" placeholder="root, UID or UID:GID" aria-describedby={id('run-as-help')} />
            <p class="muted" id={id('run-as-help')}>
              Empty: the protocol&#39;s default.
            </p>
          </div>
          <div>
            <label for={id('script')}>{DRAFT_FIELD_LABELS.scriptPath}</label>
            <input type="text" id={id('script')} name="scriptPath" maxlength="4096" aria-describedby={id('script-help')} />
            <label for={id('script-args')} safe>{`${DRAFT_FIELD_LABELS.scriptArgs} (one per line)`}</label>
            <textarea id={id('script-args')} name="scriptArgs" rows="2" aria-describedby={id('script-help')}></textarea>
            <p class="muted" id={id('script-help')}>
              Script graders only: the grading script in the image and its arguments.
            </p>
          </div>
        </div>
        <p class="muted" id={id('limits-help')} safe>
          {`Empty limits take the defaults. Allowed on this server: timeout ${ranges.timeoutSeconds.min}–${ranges.timeoutSeconds.max} s (default ${ranges.timeoutSeconds.default}), memory ${ranges.memoryMiB.min}–${ranges.memoryMiB.max} MiB, ${ranges.cpus.min}–${ranges.cpus.max} CPUs. Output is limited to ${OUTPUT_LIMIT} for every grader.`}
        </p>
        <label for={id('image')}>Grader image</label>
        <input type="file" id={id('image')} name="image" required accept=".tar,.tar.gz,.tgz,.tar.zst,application/x-tar,application/gzip" aria-describedby={id('image-help')} />
        <p class="muted" id={id('image-help')} safe>
          {`A docker save or OCI layout tar (plain or compressed), up to ${showBytes(view.maxImageBytes)}. Made with: docker save IMAGE -o grader.tar`}
        </p>
        <progress class="hidden" value="0" max="1" aria-label={`Upload progress, part ${part.id}`}></progress>
        <p class="muted" data-upload-status aria-live="polite"></p>
        <p>
          <button type="submit">Upload as a new draft</button>
        </p>
      </fieldset>
    </form>
  );
}

function Notice(props: { notice: GradersNotice | null; view: GradersView }): JSX.Element {
  const { notice, view } = props;
  if (notice === null) return <></>;
  if (notice.kind === 'draft') {
    return (
      <div class="notice ok" role="status">
        <p>
          <span safe>{`Draft v${notice.number} of part ${notice.partId} uploaded.`}</span> Try it on samples on the{' '}
          <a href={staffPaths.graderTests(view.course.id, view.assignment.id)}>testing page</a>, then publish it.
        </p>
      </div>
    );
  }
  const versions = `${notice.count} grader ${notice.count === 1 ? 'version' : 'versions'}`;
  const accepted = notice.accepted === 0 ? '' : ` ${notice.accepted} changed golden ${notice.accepted === 1 ? 'result was' : 'results were'} accepted as the new expectations.`;
  return (
    <div class="notice ok" role="status">
      <p safe>{`Published ${versions}: they grade students' submissions from now on.${accepted}`}</p>
    </div>
  );
}

function PublishSection(props: { view: GradersView }): JSX.Element {
  const { view } = props;
  const drafts = view.parts.filter((p) => p.part.draft !== null).map((p) => `${p.part.id} v${p.part.draft!.number}`);
  const autogradeDraft = view.assignment.autogradeGrader.draft;
  if (autogradeDraft !== null) drafts.push(`autograde v${autogradeDraft.number}`);
  return (
    <section aria-labelledby="publish-heading">
      <h2 id="publish-heading">Publish</h2>
      {drafts.length === 0 ? (
        <p>No drafts to publish: every part grades with its published version.</p>
      ) : (
        <p safe>{`Drafts waiting: ${drafts.join(', ')}. Publishing makes each part's newest draft the one that grades students; golden submissions are checked first.`}</p>
      )}
      {offersPublish(view.course, view.ctx) ? (
        drafts.length > 0 && <PublishForm ctx={view.ctx} course={view.course.id} assignment={view.assignment.id} label="Publish drafts" />
      ) : (
        <p class="muted">Only the course&#39;s instructors publish graders.</p>
      )}
    </section>
  );
}

function PublishForm(props: { ctx: PageContext; course: string; assignment: string; label: string; acceptChanges?: boolean }): JSX.Element {
  return (
    <form method="post" action={`${staffPaths.graders(props.course, props.assignment)}/publish`} class="publish">
      <input type="hidden" name="_csrf" value={props.ctx.csrfToken ?? ''} />
      {props.acceptChanges === true && <input type="hidden" name="acceptChanges" value="yes" />}
      <button type="submit" safe>
        {props.label}
      </button>
    </form>
  );
}

export function GradersPage(view: GradersView): JSX.Element {
  const { course, assignment } = view;
  const usesScript = assignment.autograde === 'script' || view.autograde.length > 0;
  return (
    <Layout ctx={view.ctx} title={`Graders: ${assignment.title}`} scripts={['grader-upload.js']} wide>
      <Breadcrumb course={course} assignment={assignment} />
      <h1 safe>{`Graders: ${assignment.title}`}</h1>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="graders" />
      <Notice notice={view.notice} view={view} />
      <p>
        Each part is graded by its published version. A new upload becomes a draft, which grades only staff tests (see the{' '}
        <a href={staffPaths.graderTests(course.id, assignment.id)}>testing page</a>) until it is published.
      </p>
      <PublishSection view={view} />
      {view.parts.length === 0 && <p>This assignment has no parts.</p>}
      {view.parts.map(({ part, versions }, index) => (
        <section aria-labelledby={`part-${index}-heading`} id={`part-${part.id}`}>
          <h2 id={`part-${index}-heading`} safe>{`Part ${part.id}: ${part.title} (${part.points} ${part.points === 1 ? 'point' : 'points'})`}</h2>
          <VersionsTable caption={`Grader versions of part ${part.id}, newest first`} versions={versions} id={`versions-${index}`} />
          <UploadForm view={view} part={part} index={index} />
        </section>
      ))}
      {usesScript && (
        <section aria-labelledby="autograde-heading">
          <h2 id="autograde-heading">Autograde grader</h2>
          <p>
            This assignment uses <code>autograde: script</code>: a script grader runs once per completed student after the parts are graded. Upload one with{' '}
            <code safe>{`gradebox upload ${course.id} ${assignment.id} --autograde IMAGE --script PATH`}</code>; it is published with the parts.
          </p>
          <VersionsTable caption="Autograde grader versions, newest first" versions={view.autograde} id="versions-autograde" />
        </section>
      )}
    </Layout>
  );
}

export interface PublishRefusedView {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
  code: 'golden-changed' | 'goldens-not-graded';
  message: string;
  checks: GoldenDraftCheck[];
  /** Golden runs queued by this attempt (goldens-not-graded). */
  queued: number;
}

/** 409 from publish because of the goldens: what differs or waits, and what to do next. */
export function PublishRefusedPage(view: PublishRefusedView): JSX.Element {
  const { course, assignment } = view;
  const changed = view.code === 'golden-changed';
  return (
    <Layout ctx={view.ctx} title={`Not published: ${assignment.title}`} wide>
      <Breadcrumb course={course} assignment={assignment} />
      <h1 safe>{`Not published: ${assignment.title}`}</h1>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="graders" />
      <div class="notice error" role="alert">
        <p safe>{view.message}</p>
      </div>
      {changed ? (
        <p>The drafts give these golden submissions other results than expected. Fix the draft, or publish anyway: the new results then become the expectations.</p>
      ) : (
        <p>
          {view.queued > 0
            ? `${view.queued} golden ${view.queued === 1 ? 'submission is' : 'submissions are'} being graded with the drafts now. Publish again once they are graded.`
            : 'The golden submissions are being graded with the drafts. Publish again once they are graded.'}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <caption>{changed ? 'Golden results that would change' : 'Golden checks not graded yet'}</caption>
          <thead>
            <tr>
              <th scope="col">Golden</th>
              <th scope="col">Part</th>
              {changed ? (
                <>
                  <th scope="col">Expected</th>
                  <th scope="col">Got</th>
                  <th scope="col">Tests changed</th>
                </>
              ) : (
                <th scope="col">State</th>
              )}
            </tr>
          </thead>
          <tbody>
            {view.checks.map((c) => (
              <tr>
                <th scope="row" safe>
                  {c.label}
                </th>
                <td safe>{`${c.partId} v${c.graderNumber}`}</td>
                {changed ? (
                  <>
                    <td safe>{describeOutcome(c.expected)}</td>
                    <td>
                      {c.runSubmissionId === null ? (
                        <span safe>{describeOutcome(c.got)}</span>
                      ) : (
                        <a href={staffPaths.submission(c.runSubmissionId)} safe>
                          {describeOutcome(c.got)}
                        </a>
                      )}
                    </td>
                    <td safe>{c.changedTests.length === 0 ? '—' : c.changedTests.join(', ')}</td>
                  </>
                ) : (
                  <td>{c.state}</td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {changed ? (
        <PublishForm ctx={view.ctx} course={course.id} assignment={assignment.id} label="Publish anyway, accepting the changes" acceptChanges />
      ) : (
        <PublishForm ctx={view.ctx} course={course.id} assignment={assignment.id} label="Publish drafts" />
      )}
      <p>
        <a href={staffPaths.graders(course.id, assignment.id)}>Back to the graders</a> ·{' '}
        <a href={staffPaths.graderTests(course.id, assignment.id)}>Testing and golden submissions</a>
      </p>
    </Layout>
  );
}
