/**
 * The assignment gradebook's forms: one override form, one extension form (and their removals)
 * for every student, the login typed (the course's students suggested) and the part chosen.
 */
import type { Assignment, AssignmentGrade } from '../../../platform/model.ts';

export function ChangeForms(props: { assignment: Assignment; grades: AssignmentGrade[]; here: string; csrf: string }): JSX.Element {
  const { assignment, grades, here, csrf } = props;
  const PartSelect = (p: { id: string }): JSX.Element => (
    <select id={p.id} name="part">
      <option value="">the assignment grade (0–100)</option>
      {assignment.parts.map((part) => (
        <option value={part.id} safe>{`part ${part.id} (of ${part.points} points)`}</option>
      ))}
    </select>
  );
  return (
    <div class="forms">
      <datalist id="gradebook-students">
        {grades.map((g) => (
          <option value={g.login}></option>
        ))}
      </datalist>
      <form method="post" action={`${here}/override`} class="card">
        <h3>Set by hand</h3>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="override-login">Student (login)</label>
        <input type="text" id="override-login" name="login" list="gradebook-students" required autocomplete="off" />
        <label for="override-part">What</label>
        <PartSelect id="override-part" />
        <label for="override-points">Points (or grade)</label>
        <input type="text" id="override-points" name="points" inputmode="decimal" required />
        <label for="override-reason">Reason (required; logged and shown with the grade)</label>
        <textarea id="override-reason" name="reason" required maxlength={1000}></textarea>
        <p>
          <button type="submit">Save override</button>
        </p>
      </form>
      <form method="post" action={`${here}/override/remove`} class="card">
        <h3>Remove an override</h3>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="unoverride-login">Student (login)</label>
        <input type="text" id="unoverride-login" name="login" list="gradebook-students" required autocomplete="off" />
        <label for="unoverride-part">What</label>
        <PartSelect id="unoverride-part" />
        <label for="unoverride-reason">Reason (optional)</label>
        <input type="text" id="unoverride-reason" name="reason" />
        <p>
          <button type="submit" class="secondary">
            Remove override
          </button>
        </p>
      </form>
      <form method="post" action={`${here}/extension`} class="card">
        <h3>Grant or change an extension</h3>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="extension-login">Student (login)</label>
        <input type="text" id="extension-login" name="login" list="gradebook-students" required autocomplete="off" />
        <label for="extension-until">New due date (UTC)</label>
        <input type="datetime-local" id="extension-until" name="until" required />
        <p class="muted" safe>{assignment.deadline === null ? 'This assignment has no deadline, so there is nothing to extend.' : `The deadline is ${assignment.deadline.slice(0, 16).replace('T', ' ')} UTC.`}</p>
        <p>
          <button type="submit">Save extension</button>
        </p>
      </form>
      <form method="post" action={`${here}/extension/remove`} class="card">
        <h3>Remove an extension</h3>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="unextend-login">Student (login)</label>
        <input type="text" id="unextend-login" name="login" list="gradebook-students" required autocomplete="off" />
        <p>
          <button type="submit" class="secondary">
            Remove extension
          </button>
        </p>
      </form>
    </div>
  );
}
