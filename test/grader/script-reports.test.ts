import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAutogradeEnv, mergeAutogradeEnv } from '../../src/grader/autograde-env.ts';
import { CODIO_BUSYBOX, CODIO_DIR, CODIO_RUN_SCRIPT } from '../../src/grader/protocols/script-assets.ts';
import { interpretReports, MAX_REPORT_PAYLOAD, parseReportLog, REPORT_URL_VARIABLES, type RawReport } from '../../src/grader/protocols/script-reports.ts';
import { REPORT_LOG } from '../../src/grader/protocols/script.ts';

/** A request log as the endpoint's CGI writes it. */
function log(...records: { kind: string; method?: string; status?: string; query?: string; body?: string }[]): Buffer {
  return Buffer.concat(records.map(({ kind, method = 'GET', status = 'accepted', query = '', body = '' }) => {
    const q = Buffer.from(query);
    const b = Buffer.from(body);
    return Buffer.concat([Buffer.from(`gradebox-report ${kind} ${method} ${status} ${q.length} ${b.length}\n`), q, b, Buffer.from('\n')]);
  }));
}

function reports(data: Buffer): RawReport[] {
  const parsed = parseReportLog(data, 'log');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.reports;
}

describe('script reports', () => {
  it('takes the last accepted report; GET query and POST body alike', () => {
    const data = log(
      { kind: 'grade', query: 'token=t&grade=40' },
      { kind: 'grade-v2', method: 'POST', query: 'token=t', body: 'grade=75.5&format=html&feedback=%3Cb%3Eok%3C%2Fb%3E' },
    );
    const result = interpretReports(reports(data), {});
    expect(result).toMatchObject({ ok: true, value: { score: 0.755, points: null, feedback: { text: '<b>ok</b>', format: 'html' } } });
    expect(result.warnings).toEqual(['the script reported 2 times; the last accepted report is the result, as on Codio']);
  });

  it('grades are a share of the part points when they are known; partial points are out of them', () => {
    expect(interpretReports(reports(log({ kind: 'grade', query: 'grade=50' })), { partPoints: 8 })).toMatchObject({ ok: true, value: { score: 0.5, points: { earned: 4, possible: 8 } } });
    expect(interpretReports(reports(log({ kind: 'partial', query: 'points=6' })), { partPoints: 8 })).toMatchObject({ ok: true, value: { score: 0.75, points: { earned: 6, possible: 8 } } });
    expect(interpretReports(reports(log({ kind: 'partial', query: 'points=6' })), {})).toMatchObject({ ok: true, value: { score: null, points: { earned: 6, possible: null } } });
  });

  it.each([
    ['grade=abc', 'grade must be a number, but it is "abc"'],
    ['grade=NaN', 'grade must be a number, but it is "NaN"'],
    ['grade=Infinity', 'grade must be a number, but it is "Infinity"'],
    ['grade=', 'grade must be a number, but it is ""'],
    ['grade=0x10', 'grade must be a number, but it is "0x10"'],
    ['grade=100.5', 'grade must be a number from 0 to 100 (a percentage), but it is 100.5'],
    ['grade=-1', 'grade must be a number from 0 to 100 (a percentage), but it is -1'],
    ['token=t', 'grade is missing'],
  ])('%s is a fault', (query, message) => {
    const result = interpretReports(reports(log({ kind: 'grade', query })), {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toBe(`report 1 (GET $CODIO_AUTOGRADE_URL): ${message}${message === 'grade is missing' ? ' (add &grade=N to the URL, or send it in the POST body)' : ''}`);
  });

  it('an unknown feedback format is a fault with the formats allowed', () => {
    const result = interpretReports(reports(log({ kind: 'grade-v2', method: 'POST', body: 'grade=1&format=markdown' })), {});
    expect(result).toMatchObject({ ok: false, errors: ['report 1 (POST $CODIO_AUTOGRADE_V2_URL): format must be md, html or txt, but it is "markdown"'] });
  });

  it('no report, or only refused ones, is a fault that says how to report', () => {
    const none = interpretReports([], {});
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.errors[0]).toContain('no grade was reported: the script made no report');
    const refused = interpretReports(reports(log({ kind: 'grade-v2', method: 'POST', status: 'refused:104857600' })), {});
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors[0]).toContain('no report was accepted');
    expect(refused.warnings[0]).toContain('payload of 104857600 bytes');
  });

  it('a log that something else wrote is refused', () => {
    const forged = parseReportLog(Buffer.from('grade=100\n'), 'log');
    expect(forged.ok ? '' : forged.error).toContain('altered at byte 0');
    const cut = parseReportLog(log({ kind: 'grade', query: 'grade=1' }).subarray(0, -3), 'log');
    expect(cut.ok ? '' : cut.error).toContain('cut short');
  });
});

describe('buildAutogradeEnv', () => {
  const input = {
    parts: [{ name: 'Test 1', points: 5, earned: 5 }, { name: 'Test 2', points: 7, earned: 3 }, { name: 'Test 3', points: 2, earned: null }],
    student: { id: 'u1', username: 'astudent', fullName: 'A Student', email: 'a@example.com' },
    course: { id: 'cs101' },
    assignment: { id: 'hw1', name: 'Homework 1', start: new Date('2017-01-01T00:00:00Z'), end: new Date('2017-02-01T12:00:00Z') },
    completedDate: new Date('2017-02-07T09:47:54.471Z'),
  };

  it("has the shape and values of Codio's documentation", () => {
    expect(buildAutogradeEnv(input)).toEqual({
      assessments: {
        stats: { total: 3, answered: 2, correct: 1, totalPoints: 14, points: 8 },
        info: [
          { name: 'Test 1', points: 5, answer: { correct: true, points: 5 } },
          { name: 'Test 2', points: 7, answer: { correct: false, points: 3 } },
          { name: 'Test 3', points: 2, answer: { correct: false, points: 0 } },
        ],
      },
      completedDate: '2017-02-07T09:47:54.471Z',
      student: { id: 'u1', username: 'astudent', fullName: 'A Student', email: 'a@example.com' },
      course: { id: 'cs101', projectId: 'cs101/hw1', lti: false, assignment: { id: 'hw1', name: 'Homework 1', start: '2017-01-01T00:00:00.000Z', end: '2017-02-01T12:00:00.000Z' } },
    });
  });

  it('merges a simulation over the defaults, recomputing the stats from a given info', () => {
    const merged = mergeAutogradeEnv(buildAutogradeEnv(input), {
      completedDate: '2016-11-26T10:00:00.000Z',
      student: { fullName: 'B' },
      assessments: { info: [{ name: 'only', points: 4, answer: { correct: true, points: 4 } }] },
    });
    expect(merged).toMatchObject({
      completedDate: '2016-11-26T10:00:00.000Z',
      student: { id: 'u1', fullName: 'B' },
      assessments: { stats: { total: 1, answered: 1, correct: 1, totalPoints: 4, points: 4 } },
    });
  });
});

describe('the endpoint assets', () => {
  // The shell side (assets/codio/gradebox) names the paths and reports the TypeScript side reads.
  const asset = (path: string): string => readFileSync(join(import.meta.dirname, '..', '..', 'assets', 'codio', path), 'utf8');

  it('record where the protocol reads, for the reports it knows', () => {
    const cgi = asset('gradebox/www/cgi-bin/report');
    expect(cgi.startsWith(`#!${CODIO_BUSYBOX} sh\n`)).toBe(true);
    expect(cgi).toContain(`LOG=${REPORT_LOG}\n`);
    expect(cgi).toContain(`MAX_PAYLOAD=${MAX_REPORT_PAYLOAD}\n`);
    expect(cgi).toContain(`  ${Object.keys(REPORT_URL_VARIABLES).join('|')}) ;;`);
    expect(asset('gradebox/run')).toContain(`G=${CODIO_DIR}/gradebox\n`);
    expect(CODIO_RUN_SCRIPT).toBe(`${CODIO_DIR}/gradebox/run`);
  });

  it("lib.grade reads the protocol's URL variables", () => {
    const lib = asset('assessments/lib/grade.py');
    for (const variable of Object.values(REPORT_URL_VARIABLES)) expect(lib).toContain(`'${variable}'`);
  });
});
