/** Rules GB000–GB007: what makes a file not a Dockerfile, or one docker build refuses. */
import { describe, expect, it } from 'vitest';
import { lintDockerfile } from '../../src/sanity/dockerfile/lint-dockerfile.ts';
import { CLEAN, dockerfile, findingsOf, linesOf, summary } from './lint-helpers.ts';

describe('the clean baseline', () => {
  it('has no findings at all', () => {
    expect(lintDockerfile(dockerfile(...CLEAN))).toEqual([]);
  });
});

describe('GB000 not text', () => {
  it('binary content is one finding at the line of the first NUL byte, and nothing else', () => {
    const bytes = Buffer.concat([Buffer.from('FROM x\nRUN a\n'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff])]);
    const findings = lintDockerfile(bytes);
    expect(findings).toEqual([{
      rule: 'GB000', line: 3, severity: 'error', message: 'not a Dockerfile: binary data (a NUL byte at offset 17)', fix: 'point -f at the Dockerfile itself',
    }]);
  });

  it('invalid UTF-8 is not text', () => {
    expect(findingsOf('GB000', Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xc3, 0x28]))[0]?.message).toBe('not a Dockerfile: the file is not UTF-8 text');
  });

  it('over 1 MiB is not a Dockerfile', () => {
    expect(findingsOf('GB000', Buffer.alloc(1024 * 1024 + 1, 0x41))[0]?.message).toMatch(/1048577 bytes, over the 1048576-byte limit/);
  });

  it('UTF-8 text with a byte order mark and CRLF line ends is fine', () => {
    const text = `\uFEFF${CLEAN.join('\r\n')}\r\n`;
    expect(lintDockerfile(Buffer.from(text))).toEqual([]);
  });
});

describe('GB001 no FROM', () => {
  it.each([
    ['an empty file', ''],
    ['blank lines only', '\n\n   \n'],
    ['comments only', '# just a comment\n# another\n'],
    ['a parser directive only', '# syntax=docker/dockerfile:1\n'],
  ])('%s: one error on line 1', (_name, text) => {
    expect(summary(text)).toEqual([[1, 'GB001']]);
    expect(findingsOf('GB001', text)[0]?.message).toBe('the file has no instructions at all');
  });

  it('instructions but no FROM: flagged at the first instruction', () => {
    expect(linesOf('GB001', dockerfile('# comment', 'RUN echo hi', 'CMD x'))).toEqual([2]);
  });

  it('not when there is a FROM', () => {
    expect(linesOf('GB001', dockerfile(...CLEAN))).toEqual([]);
  });
});

describe('GB002 unknown instruction', () => {
  it('garbage text: each unknown line, and no FROM', () => {
    expect(summary(dockerfile('hello world', 'this is not', '  a Dockerfile'))).toEqual([[1, 'GB001'], [1, 'GB002'], [2, 'GB002'], [3, 'GB002']]);
  });

  it('a continuation line that lost its backslash', () => {
    const text = dockerfile(...CLEAN, 'RUN apt-get install -y \\', '    gcc', '    make');
    expect(linesOf('GB002', text)).toEqual([8]);
    expect(findingsOf('GB002', text)[0]?.message).toBe('unknown instruction "make": docker build stops here');
  });

  it('instructions in any case are known; MAINTAINER is deprecated but known', () => {
    expect(linesOf('GB002', dockerfile('from python:3.12-slim', 'maintainer someone', 'Copy a /a', 'entrypoint ["/a"]'))).toEqual([]);
  });
});

describe('GB003 instruction before FROM', () => {
  it('RUN before FROM is an error; ARG is allowed', () => {
    expect(linesOf('GB003', dockerfile('ARG VERSION=3.12', 'RUN echo early', ...CLEAN))).toEqual([2]);
  });

  it('not for ARG, comments and parser directives', () => {
    expect(linesOf('GB003', dockerfile('# syntax=docker/dockerfile:1', '# hello', 'ARG BASE=python:3.12-slim', 'FROM ${BASE}'))).toEqual([]);
  });
});

describe('GB004 missing arguments', () => {
  it.each([
    ['FROM alone', 'FROM', 1],
    ['FROM image AS (no name)', 'FROM python:3.12-slim AS', 1],
    ['FROM with two words', 'FROM python:3.12-slim extra', 1],
  ])('%s', (_name, line, expected) => {
    expect(linesOf('GB004', dockerfile(line))).toEqual([expected]);
  });

  it('COPY with one operand, ENV and USER without any (JSON form counted too)', () => {
    const text = dockerfile('FROM python:3.12-slim', 'COPY grader', 'ENV', 'USER', 'COPY ["only"]', 'COPY --chown=1000 ["a", "/a"]');
    expect(linesOf('GB004', text)).toEqual([2, 3, 4, 5]);
  });

  it('not for complete instructions, a heredoc COPY included', () => {
    expect(linesOf('GB004', dockerfile(...CLEAN, 'COPY <<EOF /etc/motd', 'hello', 'EOF', 'FROM python:3.12-slim AS two'))).toEqual([]);
  });
});

describe('GB005 duplicate stage names', () => {
  it('the second use of a name, whatever its case', () => {
    const text = dockerfile('FROM python:3.12-slim AS build', 'FROM debian:12-slim AS Build', ...CLEAN);
    expect(linesOf('GB005', text)).toEqual([2]);
    expect(findingsOf('GB005', text)[0]?.message).toBe('stage name "build" is already used by the stage on line 1');
  });

  it('not for distinct names', () => {
    expect(linesOf('GB005', dockerfile('FROM python:3.12-slim AS build', 'FROM python:3.12-slim AS test', ...CLEAN))).toEqual([]);
  });
});

describe('GB006 unterminated heredoc and GB007 BuildKit', () => {
  it('a heredoc that never ends: error at its opening line', () => {
    const text = dockerfile(...CLEAN, 'RUN <<EOF', 'echo hi', 'ENTRYPOINT ["/bin/sh"]');
    expect(linesOf('GB006', text)).toEqual([6]);
    expect(findingsOf('GB006', text)[0]?.message).toBe('here-document <<EOF is never closed: the rest of the file would be its content');
    // Swallowed by the heredoc: the ENTRYPOINT line is body, not an instruction.
    expect(linesOf('GB032', text)).toEqual([]);
  });

  it('closed heredocs are fine; the first one gets the BuildKit note, once', () => {
    const text = dockerfile('FROM python:3.12-slim', 'RUN <<EOF', 'echo one', 'EOF', 'COPY <<-"CONF" /etc/x.conf', '\tkey=value', '\tCONF', ...CLEAN.slice(1));
    expect(linesOf('GB006', text)).toEqual([]);
    expect(linesOf('GB007', text)).toEqual([2]);
  });

  it('no BuildKit note without heredocs', () => {
    expect(linesOf('GB007', dockerfile(...CLEAN))).toEqual([]);
  });
});
