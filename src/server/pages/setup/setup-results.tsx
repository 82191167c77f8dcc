/** The set-up page's answers: a course file's preview and what applying it changed, its problems, a new invitation link. */
import type { Children } from '@kitajs/html';
import type { CourseFileIssue } from '../../../client/course-file-error.ts';
import type { ApplyChange, Course } from '../../../platform/model.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { CourseStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { Csrf, setupForms } from './setup-page.tsx';

const ACTION_WORDS: Record<ApplyChange['action'], [string, string]> = {
  create: ['create', 'created'],
  update: ['update', 'updated'],
  remove: ['remove', 'removed'],
  unchanged: ['unchanged', 'unchanged'],
};

function counts(changes: readonly ApplyChange[], done: boolean): string {
  const n = (action: ApplyChange['action']): number => changes.filter((c) => c.action === action).length;
  const word = (action: ApplyChange['action']): string => ACTION_WORDS[action][done ? 1 : 0];
  const verb = done ? '' : 'to ';
  return `${n('create')} ${verb}${word('create')}, ${n('update')} ${verb}${word('update')}, ${n('remove')} ${verb}${word('remove')}, ${n('unchanged')} unchanged`;
}

function Frame(props: { ctx: PageContext; course: Course; title: string; children?: Children }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title={`${props.title}: ${props.course.title}`} scripts={['tables.js', 'setup.js']} wide>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(props.course.id)} safe>{props.course.title}</a> ›{' '}
        <a href={staffPaths.setup(props.course.id)}>Set-up</a>
      </nav>
      <h1 safe>{props.title}</h1>
      <CourseStaffNav course={props.course.id} current="setup" />
      {props.children}
    </Layout>
  );
}

function ChangesTable(props: { changes: readonly ApplyChange[]; caption: string; done: boolean }): JSX.Element {
  return (
    <>
      <div class="filters">
        <label for="changes-action" hidden>
          Show
        </label>
        <select id="changes-action" data-filter="changes-table" data-filter-attr="action" hidden>
          <option value="">every change</option>
          <option value="create">create</option>
          <option value="update">update</option>
          <option value="remove">remove</option>
          <option value="unchanged">unchanged</option>
        </select>
        <span data-filter-count="changes-table" class="muted"></span>
      </div>
      <div class="table-wrap">
        <table id="changes-table" data-sortable>
          <caption safe>{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">What</th>
              <th scope="col">Which</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {props.changes.map((change) => (
              <tr data-action={change.action} class={`setup-change setup-${change.action}`}>
                <td safe>{ACTION_WORDS[change.action][props.done ? 1 : 0]}</td>
                <td>{change.kind}</td>
                <td safe>{change.target}</td>
                <td>
                  <span safe>{change.detail ?? ''}</span>
                  {change.warning !== undefined && (
                    <strong class="setup-warning" safe>
                      {` warning: ${change.warning}`}
                    </strong>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export interface PreviewView {
  ctx: PageContext;
  course: Course;
  name: string;
  /** The file's bytes as base64, sent back with the confirmation. */
  content: string;
  prune: boolean;
  plan: string;
  changes: ApplyChange[];
}

export function PreviewPage(props: PreviewView): JSX.Element {
  const csrf = encodeURIComponent(props.ctx.csrfToken ?? '');
  const nothing = props.changes.every((c) => c.action === 'unchanged');
  return (
    <Frame ctx={props.ctx} course={props.course} title="Preview of the course file">
      <p>
        Applying <strong safe>{props.name}</strong>
        {props.prune ? ' (also removing what it does not list)' : ''} would make these changes; nothing has changed yet.
      </p>
      <p class="notice" role="status" safe>
        {counts(props.changes, false)}
      </p>
      <ChangesTable changes={props.changes} caption="What applying the file would change" done={false} />
      {nothing ? (
        <p>The course already looks like this file: there is nothing to apply.</p>
      ) : (
        <form method="post" enctype="multipart/form-data" action={`${setupForms.apply(props.course.id)}?csrf=${csrf}`} class="card">
          <Csrf ctx={props.ctx} />
          <input type="hidden" name="name" value={props.name} />
          <input type="hidden" name="content" value={props.content} />
          <input type="hidden" name="plan" value={props.plan} />
          {props.prune && <input type="hidden" name="prune" value="on" />}
          <p>If the course changes before you confirm, nothing is applied and you are asked to preview the file again.</p>
          <p>
            <button type="submit">Apply these changes</button>
          </p>
        </form>
      )}
      <p>
        <a href={staffPaths.setup(props.course.id)}>Back to the set-up, changing nothing</a>
      </p>
    </Frame>
  );
}

export function AppliedPage(props: { ctx: PageContext; course: Course; name: string; changes: ApplyChange[] }): JSX.Element {
  return (
    <Frame ctx={props.ctx} course={props.course} title="Course file applied">
      <p class="notice ok" role="status">
        <span safe>{`${props.name} was applied: ${counts(props.changes, true)}.`}</span>
      </p>
      <ChangesTable changes={props.changes} caption="What applying the file changed" done />
      <p>
        <a href={staffPaths.setup(props.course.id)}>Back to the set-up</a>
      </p>
    </Frame>
  );
}

export function ProblemsPage(props: { ctx: PageContext; course: Course; file: string; issues: CourseFileIssue[] }): JSX.Element {
  return (
    <Frame ctx={props.ctx} course={props.course} title="The course file has problems">
      <div class="notice error" role="alert">
        <p safe>{`${props.file} cannot be applied (${props.issues.length} ${props.issues.length === 1 ? 'problem' : 'problems'}); nothing was changed.`}</p>
      </div>
      <ul class="setup-problems">
        {props.issues.map((issue) => (
          <li>
            <code>{issue.line > 0 ? `line ${issue.line}, column ${issue.column}` : 'the file'}</code>
            {issue.path !== '' && (
              <>
                {' '}
                <code safe>{issue.path}</code>
              </>
            )}
            : <span safe>{issue.message}</span>
          </li>
        ))}
      </ul>
      <p>
        <a href={`${staffPaths.setup(props.course.id)}#course-file`}>Back to the set-up, to upload a corrected file</a>
      </p>
    </Frame>
  );
}

export function InvitationPage(props: { ctx: PageContext; course: Course; login: string; link: string; expiresAt: string }): JSX.Element {
  return (
    <Frame ctx={props.ctx} course={props.course} title={`Invitation for ${props.login}`}>
      <p class="notice ok" role="status">
        This link is shown only now: copy it and send it to <strong safe>{props.login}</strong>. It works once, until <Time iso={props.expiresAt} />.
      </p>
      <label for="invitation-link">Invitation link</label>
      <input type="text" id="invitation-link" readonly value={props.link} class="setup-link" />
      <p>
        <button type="button" class="secondary" data-copy="invitation-link" hidden>
          Copy the link
        </button>{' '}
        <span data-copied="invitation-link" aria-live="polite" class="muted"></span>
      </p>
      <p>With it they choose their own password. A new invitation does not end this one; it ends when used or expired.</p>
      <p>
        <a href={`${staffPaths.setup(props.course.id)}#members`}>Back to the set-up</a>
      </p>
    </Frame>
  );
}
