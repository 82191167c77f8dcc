import { describe, expect, it } from 'vitest';
import { GRADER_ERROR_FEEDBACK } from '../../src/grader/interpret-run.ts';
import { coursera, FEEDBACK_FILE, HTML_FEEDBACK_FILE, TXT_FEEDBACK_FILE } from '../../src/grader/protocols/coursera.ts';
import { DEFAULT_PATH } from '../../src/grader/image-command.ts';
import { ImageError } from '../../src/image/image.ts';
import { captured, file, imageConfig, interpretContext, MISSING, outcome, planContext, refused } from './helpers.ts';

describe('coursera.plan', () => {
  it('runs ENTRYPOINT + CMD when no args are given', () => {
    const plan = coursera.plan(planContext({ image: imageConfig({ entrypoint: ['/bin/sh', '/g.sh'], cmd: ['default-part'] }) }));
    expect(plan.argv).toEqual(['/bin/sh', '/g.sh', 'default-part']);
  });

  it('replaces CMD with the args, as docker run IMAGE args does', () => {
    const plan = coursera.plan(planContext({ image: imageConfig({ entrypoint: ['/bin/sh', '/g.sh'], cmd: ['default-part'] }), args: ['part-2', '-v'] }));
    expect(plan.argv).toEqual(['/bin/sh', '/g.sh', 'part-2', '-v']);
  });

  it('runs CMD alone, or the args alone, when there is no ENTRYPOINT', () => {
    expect(coursera.plan(planContext({ image: imageConfig({ cmd: ['python3', 'grade.py'] }) })).argv).toEqual(['python3', 'grade.py']);
    expect(coursera.plan(planContext({ image: imageConfig({ cmd: ['python3', 'grade.py'] }), args: ['sh'] })).argv).toEqual(['sh']);
  });

  it('passes a known part id as the arguments "partId ID" after ENTRYPOINT + CMD, as Coursera\'s first runner did', () => {
    const image = imageConfig({ entrypoint: ['/grader/executeGrader.sh'], cmd: ['--quiet'] });
    const plan = coursera.plan(planContext({ image, partId: 'HxbKF' }));
    expect(plan.argv).toEqual(['/grader/executeGrader.sh', '--quiet', 'partId', 'HxbKF']);
    expect(plan.env.partId).toBe('HxbKF');
    expect(coursera.plan(planContext({ image: imageConfig({ entrypoint: ['/g'] }), partId: 'p 1' })).argv).toEqual(['/g', 'partId', 'p 1']);
  });

  it('keeps explicit args exactly, and adds nothing to an image without ENTRYPOINT', () => {
    const image = imageConfig({ entrypoint: ['/g'], cmd: ['x'] });
    expect(coursera.plan(planContext({ image, partId: 'p1', args: ['partId', 'other'] })).argv).toEqual(['/g', 'partId', 'other']);
    expect(coursera.plan(planContext({ image, partId: 'p1', args: ['--only'] })).argv).toEqual(['/g', '--only']);
    expect(coursera.plan(planContext({ image: imageConfig({ cmd: ['python3', 'grade.py'] }), partId: 'p1' })).argv).toEqual(['python3', 'grade.py']);
  });

  it('refuses an image with nothing to run', () => {
    expect(() => coursera.plan(planContext({ image: imageConfig() }))).toThrow(ImageError);
    expect(() => coursera.plan(planContext({ image: imageConfig() }))).toThrow(
      'the image has neither ENTRYPOINT nor CMD, and no arguments were given: nothing to run',
    );
  });

  it('layers env: image, then partId/filename/userId, then the user', () => {
    const plan = coursera.plan(planContext({
      image: imageConfig({ entrypoint: ['/g'], env: ['PATH=/usr/bin:/bin', 'partId=from-image', 'A=1', 'NOEQUALS', 'EMPTY='] }),
      partId: 'p1',
      filename: 'answer.txt',
      env: { A: '2', userId: 'override' },
    }));
    expect(plan.env).toEqual({ PATH: '/usr/bin:/bin', partId: 'p1', A: '2', EMPTY: '', userId: 'override', filename: 'answer.txt' });
  });

  it('leaves partId and filename unset when unknown, and defaults PATH like Docker', () => {
    const plan = coursera.plan(planContext({ image: imageConfig({ entrypoint: ['/g'] }) }));
    expect(plan.env).toEqual({ userId: 'learner-7', PATH: DEFAULT_PATH });
  });

  it('keeps a variable named __proto__ as a variable', () => {
    const plan = coursera.plan(planContext({ env: JSON.parse('{"__proto__": "x"}') as Record<string, string> }));
    expect(Object.keys(plan.env)).toContain('__proto__');
    expect(Object.getPrototypeOf(plan.env)).toBe(Object.prototype);
  });

  it('mounts /shared writable and the submission read-only under it; reads the feedback files back', () => {
    const plan = coursera.plan(planContext());
    expect(plan.volumes).toEqual([
      { target: '/shared', readOnly: false, owner: 'user' },
      { target: '/shared/submission', readOnly: true, owner: 'user', copyFrom: '/host/submissions/42' },
    ]);
    expect(plan.files).toEqual([]);
    expect(plan.outputs).toEqual([FEEDBACK_FILE, HTML_FEEDBACK_FILE, TXT_FEEDBACK_FILE]);
  });

  it('works in the image WorkingDir, else /', () => {
    expect(coursera.plan(planContext()).cwd).toBe('/grader');
    expect(coursera.plan(planContext({ image: imageConfig({ entrypoint: ['/g'] }) })).cwd).toBe('/');
  });
});

describe('coursera.interpret', () => {
  const ctx = interpretContext();

  it('grades from /shared/feedback.json, ignoring stdout', () => {
    const result = coursera.interpret(outcome({
      stdout: captured('{"fractionalScore": 0, "feedback": "decoy"}'),
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": 0.8, "feedback": "Nice."}') },
    }), ctx);
    expect(result).toEqual({
      status: 'graded', score: 0.8, points: null, feedback: { text: 'Nice.', format: 'text' }, tests: [], errors: [], warnings: [],
      visibility: 'visible', outputVisibility: { value: 'hidden', explicit: false },
    });
  });

  it('falls back to stdout when the file was not written', () => {
    const result = coursera.interpret(outcome({
      stdout: captured('running\n{"isCorrect": true, "feedback": "Correct!"}\n'),
      outputs: { [FEEDBACK_FILE]: MISSING },
    }), ctx);
    expect(result).toMatchObject({ status: 'graded', score: 1, feedback: { text: 'Correct!' } });
  });

  it('does not fall back to stdout when the sandbox refused the file', () => {
    const result = coursera.interpret(outcome({
      stdout: captured('{"fractionalScore": 1, "feedback": "from stdout"}'),
      outputs: { [FEEDBACK_FILE]: refused('is a symbolic link; result files must be regular files') },
    }), ctx);
    expect(result).toEqual(expect.objectContaining({
      status: 'grader-error',
      score: null,
      errors: [`${FEEDBACK_FILE}: is a symbolic link; result files must be regular files`],
      feedback: { text: GRADER_ERROR_FEEDBACK, format: 'text' },
    }));
  });

  it("keeps the sandbox's message whole when it already names the file", () => {
    const error = `${FEEDBACK_FILE} is a FIFO`;
    expect(coursera.interpret(outcome({ outputs: { [FEEDBACK_FILE]: refused(error) } }), ctx).errors).toEqual([error]);
  });

  it('refuses a feedback file that is not UTF-8', () => {
    const result = coursera.interpret(outcome({ outputs: { [FEEDBACK_FILE]: file(Buffer.from([0x7b, 0xff, 0x7d])) } }), ctx);
    expect(result.errors).toEqual([`${FEEDBACK_FILE} is not UTF-8 text (first invalid byte at offset 1)`]);
  });

  it('is a grader error with every fault, and the exit code, when the report is invalid', () => {
    const result = coursera.interpret(outcome({
      exitCode: 2,
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": "1", "feedbackType": "html"}') },
    }), ctx);
    expect(result).toEqual(expect.objectContaining({
      status: 'grader-error',
      errors: [
        `${FEEDBACK_FILE}: fractionalScore must be a number from 0 to 1, but it is the string "1" (write 1 without quotes)`,
        `${FEEDBACK_FILE}: feedback is missing; it is the text shown to the student (use "" for none)`,
        `${FEEDBACK_FILE}: feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is the string "html" (did you mean "HTML"?)`,
        'the grader exited with code 2 (see its stderr)',
      ],
    }));
  });

  it('is a grader error when there is no report at all', () => {
    const result = coursera.interpret(outcome({ exitCode: 1, stderr: captured('Traceback…') }), ctx);
    expect(result.status).toBe('grader-error');
    expect(result.errors).toEqual([`${FEEDBACK_FILE} was not written, and stdout is empty`, 'the grader exited with code 1 (see its stderr)']);
  });

  it('uses the rich feedback file for HTML and TXT', () => {
    const html = coursera.interpret(outcome({
      outputs: {
        [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "short", "feedbackType": "HTML"}'),
        [HTML_FEEDBACK_FILE]: file('<h1>Well done</h1>'),
      },
    }), ctx);
    expect(html).toMatchObject({ status: 'graded', feedback: { text: '<h1>Well done</h1>', format: 'html' }, warnings: [] });
    const txt = coursera.interpret(outcome({
      outputs: {
        [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "short", "feedbackType": "TXT"}'),
        [TXT_FEEDBACK_FILE]: file('long text'),
        [HTML_FEEDBACK_FILE]: file('<p>ignored</p>'),
      },
    }), ctx);
    expect(txt).toMatchObject({ feedback: { text: 'long text', format: 'text' }, warnings: [] });
  });

  it('shows the feedback field when the rich file is absent (a warning for HTML)', () => {
    const html = coursera.interpret(outcome({
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "<b>ok</b>", "feedbackType": "HTML"}'), [HTML_FEEDBACK_FILE]: MISSING },
    }), ctx);
    expect(html).toMatchObject({
      status: 'graded',
      feedback: { text: '<b>ok</b>', format: 'html' },
      warnings: [`feedbackType is "HTML" but ${HTML_FEEDBACK_FILE} was not written; the feedback field is shown as HTML`],
    });
    const md = coursera.interpret(outcome({
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "**ok**", "feedbackType": "MARKDOWN"}') },
    }), ctx);
    expect(md).toMatchObject({ feedback: { text: '**ok**', format: 'markdown' }, warnings: [] });
  });

  it('is a grader error when the rich file was refused', () => {
    const result = coursera.interpret(outcome({
      outputs: {
        [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "x", "feedbackType": "HTML"}'),
        [HTML_FEEDBACK_FILE]: refused('is larger than the 16777216-byte cap'),
      },
    }), ctx);
    expect(result).toMatchObject({ status: 'grader-error', errors: [`${HTML_FEEDBACK_FILE}: is larger than the 16777216-byte cap`] });
  });

  it('keeps warnings from the report and adds a non-zero exit code as a warning', () => {
    const result = coursera.interpret(outcome({
      exitCode: 3,
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": 0.5, "feedback": "x", "note": 1}') },
    }), ctx);
    expect(result).toMatchObject({
      status: 'graded',
      score: 0.5,
      errors: [],
      warnings: [`${FEEDBACK_FILE}: unknown key "note" ignored`, 'the grader exited with code 3, but its output was valid and was used'],
    });
  });
});
