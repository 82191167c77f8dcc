import { describe, expect, it } from 'vitest';
import { gradescope, METADATA_FILE, RESULTS_FILE } from '../../src/grader/protocols/gradescope.ts';
import { captured, file, imageConfig, interpretContext, MISSING, outcome, planContext, refused } from './helpers.ts';

describe('gradescope.plan', () => {
  it('runs /autograder/run_autograder in /autograder, whatever the image says', () => {
    const plan = gradescope.plan(planContext({ image: imageConfig({ entrypoint: ['/bin/sh'], cmd: ['-c', 'exit 1'], workingDir: '/x' }) }));
    expect(plan.argv).toEqual(['/autograder/run_autograder']);
    expect(plan.cwd).toBe('/autograder');
    expect(gradescope.plan(planContext({ args: ['--debug'] })).argv).toEqual(['/autograder/run_autograder', '--debug']);
  });

  it('passes the image env and the user env, without Coursera variables', () => {
    const plan = gradescope.plan(planContext({ image: imageConfig({ env: ['PATH=/bin', 'A=1'] }), env: { A: '2' }, partId: 'p1' }));
    expect(plan.env).toEqual({ PATH: '/bin', A: '2' });
  });

  it('mounts a writable copy of the submission and a writable results folder', () => {
    const plan = gradescope.plan(planContext());
    expect(plan.volumes).toEqual([
      { target: '/autograder/submission', readOnly: false, owner: 'user', copyFrom: '/host/submissions/42' },
      { target: '/autograder/results', readOnly: false, owner: 'user' },
    ]);
    expect(plan.outputs).toEqual([RESULTS_FILE]);
  });

  it('writes submission_metadata.json from the context', () => {
    const plan = gradescope.plan(planContext({
      assignment: { id: 9, title: 'Sums', totalPoints: 20, dueDate: new Date('2025-03-10T23:59:00Z'), releaseDate: new Date('2025-03-01T00:00:00Z') },
    }));
    expect(plan.files).toHaveLength(1);
    expect(plan.files[0]!.target).toBe(METADATA_FILE);
    const dates = { release_date: '2025-03-01T00:00:00.000Z', due_date: '2025-03-10T23:59:00.000Z', late_due_date: null };
    expect(JSON.parse(String(plan.files[0]!.content))).toEqual({
      id: 42,
      created_at: '2025-03-01T10:00:00.000Z',
      assignment: { id: 9, course_id: null, title: 'Sums', total_points: '20.0', ...dates, group_submission: false, group_size: null },
      submission_method: 'upload',
      users: [{ id: 'learner-7', name: 'Ada', email: 'ada@example.org', assignment: dates }],
      previous_submissions: [],
    });
  });

  it('fills unknown assignment fields with null', () => {
    const metadata = JSON.parse(String(gradescope.plan(planContext()).files[0]!.content)) as { assignment: Record<string, unknown> };
    expect(metadata.assignment).toMatchObject({ id: null, title: null, total_points: null, due_date: null });
  });
});

describe('gradescope.interpret', () => {
  const ctx = interpretContext();
  const results = {
    output: 'See the tests.',
    tests: [
      { name: 'visible one', score: 3, max_score: 3, status: 'passed' },
      { name: 'secret', score: 0, max_score: 1, status: 'failed', visibility: 'hidden', output: 'expected 7' },
    ],
  };

  it('grades from results.json, with tests and points', () => {
    const result = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file(JSON.stringify(results)) } }), ctx);
    expect(result).toEqual({
      status: 'graded',
      score: 0.75,
      points: { earned: 3, possible: 4 },
      feedback: { text: 'See the tests.', format: 'text' },
      tests: [
        { name: 'visible one', score: 3, maxScore: 3, status: 'passed', output: '', outputFormat: 'text', visibility: 'visible' },
        { name: 'secret', score: 0, maxScore: 1, status: 'failed', output: 'expected 7', outputFormat: 'text', visibility: 'hidden' },
      ],
      errors: [],
      warnings: [],
      visibility: 'visible',
      outputVisibility: { value: 'hidden', explicit: false },
    });
  });

  it('shows stdout to students only when stdout_visibility says so', () => {
    const visible = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file(JSON.stringify({ ...results, stdout_visibility: 'visible' })) } }), ctx);
    expect(visible.outputVisibility).toEqual({ value: 'visible', explicit: true });
    const later = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file(JSON.stringify({ ...results, stdout_visibility: 'after_due_date' })) } }), ctx);
    expect(later.outputVisibility).toEqual({ value: 'after_due_date', explicit: true });
  });

  it('passes leaderboard and extra_data through', () => {
    const doc = { ...results, leaderboard: [{ name: 'time', value: 2.5, order: 'asc' }], extra_data: { k: [1] } };
    const result = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file(JSON.stringify(doc)) } }), ctx);
    expect(result).toMatchObject({ leaderboard: [{ name: 'time', value: 2.5, order: 'asc' }], extraData: { k: [1] } });
  });

  it('uses the assignment total points for a bare score', () => {
    const result = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file('{"score": 15}') } }), { ...ctx, assignment: { totalPoints: 20 } });
    expect(result).toMatchObject({ status: 'graded', score: 0.75, points: { earned: 15, possible: 20 } });
  });

  it('is a grader error when results.json is missing, refused or invalid; stdout is never used', () => {
    const stdout = captured('{"score": 1}');
    expect(gradescope.interpret(outcome({ stdout, outputs: { [RESULTS_FILE]: MISSING } }), ctx)).toMatchObject({
      status: 'grader-error', errors: [`${RESULTS_FILE} was not written`],
    });
    expect(gradescope.interpret(outcome({ stdout, outputs: {} }), ctx).errors).toEqual([`${RESULTS_FILE} was not written`]);
    expect(gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: refused('is a FIFO') } }), ctx).errors).toEqual([`${RESULTS_FILE}: is a FIFO`]);
  });

  it("grades with a top-level score that overrides the tests' sum, with a warning", () => {
    const mismatch = { score: 10, tests: [{ score: 3, max_score: 5 }, { score: 4, max_score: 5 }] };
    expect(gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file(JSON.stringify(mismatch)) } }), ctx)).toMatchObject({
      status: 'graded',
      score: 1,
      points: { earned: 10, possible: 10 },
      errors: [],
      warnings: [`${RESULTS_FILE}: the top-level score 10 differs from the sum of the tests' scores 7; the top-level score is used, as on Gradescope`],
    });
  });

  it('grades a bare score without a fraction when no points possible are known', () => {
    const result = gradescope.interpret(outcome({ outputs: { [RESULTS_FILE]: file('{"score": 4, "output": "compiled"}') } }), ctx);
    expect(result).toMatchObject({ status: 'graded', score: null, points: { earned: 4, possible: null }, errors: [] });
    expect(result.warnings).toHaveLength(1);
  });
});
