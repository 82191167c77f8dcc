/** Rules GB030–GB042: what the grader runs (ENTRYPOINT) and as whom (USER). */
import { describe, expect, it } from 'vitest';
import { CLEAN, dockerfile, findingsOf, linesOf, summary } from './lint-helpers.ts';

const BEFORE_ENTRYPOINT = CLEAN.slice(0, -1); // lines 1-4; an ENTRYPOINT added next is line 5

describe('GB030 neither ENTRYPOINT nor CMD', () => {
  it('neither ENTRYPOINT nor CMD: error at the final FROM', () => {
    const text = dockerfile('FROM python:3.12-slim AS build', 'ENTRYPOINT ["/build.sh"]', ...BEFORE_ENTRYPOINT);
    expect(linesOf('GB030', text)).toEqual([3]);
    expect(findingsOf('GB030', text)[0]?.message).toMatch(/^the final image has no ENTRYPOINT and no CMD: nothing would run/);
  });

  it('not with a CMD alone (GB034 notes it): Coursera passes the part id in the environment', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'CMD ["python3", "/grader/grade.py"]');
    expect(linesOf('GB030', text)).toEqual([]);
    expect(findingsOf('GB034', text).map((f) => [f.line, f.severity, f.fix])).toEqual([
      [5, 'info', 'nothing to do if the grader reads $partId; if it takes arguments: ENTRYPOINT ["python3", "/grader/grade.py"]'],
    ]);
  });

  it('an ENTRYPOINT in a later stage resets the CMD of the stage it is built on; one in the same stage does not', () => {
    expect(linesOf('GB030', dockerfile('FROM python:3.12-slim AS base', 'CMD ["/g"]', 'FROM base', 'ENTRYPOINT []'))).toEqual([4]);
    expect(linesOf('GB030', dockerfile('FROM python:3.12-slim', 'CMD ["/g"]', 'ENTRYPOINT []'))).toEqual([]);
  });

  it('ENTRYPOINT [] clears an inherited one', () => {
    expect(linesOf('GB030', dockerfile('FROM python:3.12-slim AS base', 'ENTRYPOINT ["/g"]', 'FROM base', 'ENTRYPOINT []'))).toEqual([4]);
  });

  it('not when the final stage inherits one from the stage it is built on', () => {
    expect(linesOf('GB030', dockerfile('FROM python:3.12-slim AS base', 'ENTRYPOINT ["/grader/run.sh"]', 'FROM base', 'COPY x /x'))).toEqual([]);
  });

  it('not for Gradescope graders (gradebox runs /autograder/run_autograder)', () => {
    for (const line of ['COPY source/ /autograder/source/', 'COPY run_autograder /autograder/run_autograder', 'RUN ln -s /src/run /autograder/run_autograder']) {
      expect(linesOf('GB030', dockerfile('FROM python:3.12-slim', line)), line).toEqual([]);
    }
    expect(linesOf('GB030', dockerfile('FROM gradescope/autograder-base:ubuntu-22.04'))).toEqual([]);
  });

  it('silenced by a gradebox-ignore comment above the FROM (an ENTRYPOINT from the base image)', () => {
    expect(linesOf('GB030', dockerfile('# base sets ENTRYPOINT', '# gradebox-ignore GB030', 'FROM myorg/grader-base:2.1', 'USER 1000'))).toEqual([]);
  });
});

describe('GB031 redefined ENTRYPOINT', () => {
  it('every ENTRYPOINT of the final stage but the last', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT ["/a"]', 'RUN true', 'ENTRYPOINT ["/b"]', 'ENTRYPOINT ["/grader/run.sh"]');
    expect(linesOf('GB031', text)).toEqual([5, 7]);
    expect(findingsOf('GB031', text)[0]?.message).toBe('this ENTRYPOINT has no effect: the one on line 8 replaces it');
  });

  it('not across stages: a build stage has its own, and a derived stage may override its parent', () => {
    const text = dockerfile('FROM python:3.12-slim AS build', 'ENTRYPOINT ["/x"]', 'ENTRYPOINT ["/y"]', 'FROM python:3.12-slim AS base', 'ENTRYPOINT ["/a"]', 'FROM base', 'ENTRYPOINT ["/b"]');
    expect(linesOf('GB031', text)).toEqual([]);
  });
});

describe('GB032 bare shell ENTRYPOINT', () => {
  it.each([
    ['["/bin/sh"]', 'reads its commands from standard input'],
    ['["bash"]', 'reads its commands from standard input'],
    ['["/bin/bash", "-l"]', 'reads its commands from standard input'],
    ['["/bin/sh", "-c"]', 'sh -c needs a command string'],
    ['/bin/bash', 'reads its commands from standard input'],
  ])('ENTRYPOINT %s with no CMD', (entrypoint, fate) => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, `ENTRYPOINT ${entrypoint}`);
    expect(linesOf('GB032', text)).toEqual([5]);
    expect(findingsOf('GB032', text)[0]?.message).toContain(fate);
    expect(linesOf('GB033', text)).toEqual([]);
  });

  it('not for a shell running a script, and only the final ENTRYPOINT counts', () => {
    expect(linesOf('GB032', dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT ["/bin/sh", "/grader/run.sh"]'))).toEqual([]);
    expect(linesOf('GB032', dockerfile('FROM python:3.12-slim AS dev', 'ENTRYPOINT ["/bin/sh"]', ...CLEAN))).toEqual([]);
  });

  it('not when an exec-form shell gets its script from CMD; a shell-form one never does', () => {
    expect(linesOf('GB032', dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT ["/bin/bash"]', 'CMD ["/grader/run.sh"]'))).toEqual([]);
    expect(linesOf('GB032', dockerfile(...BEFORE_ENTRYPOINT, 'CMD ["python3 /grader/grade.py"]', 'ENTRYPOINT ["sh", "-c"]'))).toEqual([]);
    expect(linesOf('GB032', dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT /bin/bash', 'CMD ["/grader/run.sh"]'))).toEqual([5]);
  });
});

describe('GB033 arguments cannot reach the grader', () => {
  it('shell form: sh -c drops arguments and CMD; the fix is the exec form', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT /grader/run.sh --verbose');
    expect(findingsOf('GB033', text)).toEqual([expect.objectContaining({
      line: 5, severity: 'warning', fix: 'use exec form: ENTRYPOINT ["/grader/run.sh", "--verbose"]',
    })]);
    expect(findingsOf('GB033', text)[0]?.message).toContain("runs it as /bin/sh -c '/grader/run.sh --verbose', which ignores any arguments");
    expect(findingsOf('GB033', dockerfile(...BEFORE_ENTRYPOINT, 'CMD ["--strict"]', 'ENTRYPOINT /grader/run.sh'))[0]?.message).toContain('which ignores the CMD (line 5) and any arguments');
  });

  it('shell form with shell syntax: the fix is a script', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT cd /grader && python3 grade.py');
    expect(findingsOf('GB033', text)[0]?.fix).toBe('move the command into a script and use exec form: ENTRYPOINT ["/grader/run.sh"]');
  });

  it('exec form with single quotes is not JSON, so it is shell form', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, "ENTRYPOINT ['/grader/run.sh']");
    expect(findingsOf('GB033', text)[0]?.message).toMatch(/^ENTRYPOINT looks like exec form but is not a valid JSON array/);
  });

  it('["sh", "-c", SCRIPT] that ignores $@', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT ["/bin/sh", "-c", \\', '  "python3 /grader/grade.py"]');
    expect(linesOf('GB033', text)).toEqual([5]);
    expect(findingsOf('GB033', text)[0]?.fix).toBe('call the grader directly, or pass them on: ["/bin/sh", "-c", "python3 /grader/grade.py \\"$@\\"", "sh"]');
  });

  it('not for exec form, or sh -c scripts that use their arguments', () => {
    for (const entrypoint of ['["/grader/run.sh"]', '["python3", "/grader/grade.py"]', '["/bin/sh", "-c", "exec /grader/run.sh \\"$@\\"", "sh"]', '["sh", "-c", "grade ${1}"]']) {
      expect(linesOf('GB033', dockerfile(...BEFORE_ENTRYPOINT, `ENTRYPOINT ${entrypoint}`)), entrypoint).toEqual([]);
    }
  });
});

describe('GB035 ENTRYPOINT of a Gradescope grader', () => {
  it('is noted as unused, and the Coursera entrypoint rules stay quiet', () => {
    const text = dockerfile('FROM python:3.12-slim', 'COPY autograder/ /autograder/', 'ENTRYPOINT /bin/bash');
    expect(summary(text).filter(([, rule]) => rule.startsWith('GB03'))).toEqual([[3, 'GB035']]);
    expect(findingsOf('GB035', text)[0]?.message).toBe('this is a Gradescope grader (line 2), so gradebox runs /autograder/run_autograder and this ENTRYPOINT is not used');
  });

  it('not for Coursera graders', () => {
    expect(linesOf('GB035', dockerfile(...CLEAN))).toEqual([]);
  });
});

describe('GB036 relative paths in the command', () => {
  it('Coursera\'s sample shapes: a relative program, ./program, a relative script for an interpreter', () => {
    for (const [command, word] of [['ENTRYPOINT ["grader/grader.py"]', 'grader/grader.py'], ['ENTRYPOINT ["./grader/run.sh"]', './grader/run.sh'], ['CMD ["Rscript", "grader/main.R"]', 'grader/main.R']] as const) {
      const findings = findingsOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, command));
      expect(findings.map((f) => [f.line, f.severity]), command).toEqual([[5, 'warning']]);
      expect(findings[0]?.message).toContain(`uses "${word}", a path relative to the working directory`);
      expect(findings[0]?.fix).toBe(`use the absolute path ${`/${word}`.replace('/./', '/')}`);
    }
  });

  it('arguments from CMD after an exec-form ENTRYPOINT; a bare name only when the image has it at /', () => {
    const text = dockerfile(...BEFORE_ENTRYPOINT, 'COPY main.R /main.R', 'ENTRYPOINT ["Rscript"]', 'CMD ["main.R", "lib/extra.R"]');
    expect(findingsOf('GB036', text).map((f) => [f.line, f.fix])).toEqual([[7, 'use the absolute path /main.R'], [7, 'use the absolute path /lib/extra.R']]);
  });

  it('shell form, word by word, unless it changes directory or uses shell operators', () => {
    expect(linesOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT python3 grader/grade.py'))).toEqual([5]);
    expect(linesOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, 'ENTRYPOINT cd /grader && ./run.sh'))).toEqual([]);
  });

  it('not with a WORKDIR (the directory is then known), nor for absolute paths, PATH lookups, options, URLs, variables or sh -c scripts', () => {
    expect(linesOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, 'WORKDIR /', 'ENTRYPOINT ["grader/grader.py"]'))).toEqual([]);
    for (const command of ['["/grader/run.sh", "--out=res/x"]', '["python3", "-m", "grader.main"]', '["curl", "http://x/y"]', '["$HOME/run"]', '["sh", "-c", "cd /g && ./run \\"$@\\"", "sh"]', '["java", "-cp", "/g/lib/*", "Main"]']) {
      expect(linesOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, `ENTRYPOINT ${command}`)), command).toEqual([]);
    }
  });

  it('not for Gradescope graders, nor for CMD that a shell-form ENTRYPOINT ignores', () => {
    expect(linesOf('GB036', dockerfile('FROM python:3.12-slim', 'COPY run_autograder /autograder/run_autograder', 'CMD ["grader/x"]'))).toEqual([]);
    expect(linesOf('GB036', dockerfile(...BEFORE_ENTRYPOINT, 'CMD ["grader/x"]', 'ENTRYPOINT /grader/run.sh'))).toEqual([]);
  });
});

describe('GB040–GB042 USER', () => {
  it('GB040: the final USER is root (by name or uid, with a group or not)', () => {
    for (const user of ['root', '0', 'root:root', '0:0']) {
      const text = dockerfile(...CLEAN, `USER ${user}`);
      expect(linesOf('GB040', text), user).toEqual([6]);
      expect(findingsOf('GB040', text)[0]?.message).toContain('gradebox runs Coursera graders as uid 1000 whatever USER says (root only with --user root)');
    }
  });

  it('GB040 not when a later USER drops root, nor for USER root in a build stage', () => {
    expect(linesOf('GB040', dockerfile('FROM python:3.12-slim', 'USER root', 'RUN apt-get update', ...CLEAN.slice(1)))).toEqual([]);
    expect(linesOf('GB040', dockerfile('FROM python:3.12-slim AS build', 'USER root', ...CLEAN))).toEqual([]);
  });

  it('GB041: no USER at all, at the final FROM; a USER inherited from a parent stage counts', () => {
    expect(linesOf('GB041', dockerfile('FROM python:3.12-slim', 'ENTRYPOINT ["/g"]'))).toEqual([1]);
    expect(linesOf('GB041', dockerfile('FROM python:3.12-slim AS base', 'USER 1000', 'FROM base', 'ENTRYPOINT ["/g"]'))).toEqual([]);
  });

  it('none of them for Gradescope graders, which run as root (GB084 covers their USER)', () => {
    for (const user of [[], ['USER root'], ['USER 1001']]) {
      const text = dockerfile('FROM gradescope/autograder-base:ubuntu-22.04', 'COPY run_autograder /autograder/run_autograder', ...user);
      expect(summary(text).filter(([, rule]) => rule.startsWith('GB04')), user.join()).toEqual([]);
    }
  });

  it('GB042: a numeric uid other than 1000; names cannot be judged', () => {
    expect(linesOf('GB042', dockerfile(...CLEAN, 'USER 1001:1001'))).toEqual([6]);
    expect(linesOf('GB042', dockerfile(...CLEAN, 'USER grader'))).toEqual([]);
    expect(linesOf('GB042', dockerfile(...CLEAN, 'USER 1000:1000'))).toEqual([]);
  });
});
