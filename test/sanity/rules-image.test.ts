/** Rules GB010–GB023: the base image, COPY/ADD destinations and sources. */
import { describe, expect, it } from 'vitest';
import { CLEAN, dockerfile, findingsOf, linesOf } from './lint-helpers.ts';

const TAIL = CLEAN.slice(1); // everything after the FROM

describe('GB010 ubuntu base', () => {
  it.each([['ubuntu:22.04'], ['ubuntu'], ['docker.io/library/ubuntu:24.04'], ['library/ubuntu@sha256:' + 'a'.repeat(64)]])('FROM %s', (image) => {
    expect(linesOf('GB010', dockerfile('# grader', `FROM ${image}`, ...TAIL))).toEqual([2]);
  });

  it('through a build argument', () => {
    expect(linesOf('GB010', dockerfile('ARG DISTRO=ubuntu:24.04', `FROM \${DISTRO}`, ...TAIL))).toEqual([2]);
  });

  it('only the final image counts: an ubuntu build stage is fine, a final stage built on it is not', () => {
    expect(linesOf('GB010', dockerfile('FROM ubuntu:22.04 AS build', 'RUN make', 'FROM python:3.12-slim', ...TAIL))).toEqual([]);
    expect(linesOf('GB010', dockerfile('FROM ubuntu:22.04 AS base', 'RUN make', 'FROM base', ...TAIL))).toEqual([1]);
  });

  it('not for other bases, lookalikes included', () => {
    for (const image of ['debian:bookworm-slim', 'python:3.12-slim', 'myorg/ubuntu-grader:1.0', 'ubuntu-custom:1']) {
      expect(linesOf('GB010', dockerfile(`FROM ${image}`, ...TAIL)), image).toEqual([]);
    }
  });
});

describe('GB011 unpinned base', () => {
  it('no tag and :latest, in every stage', () => {
    const text = dockerfile('FROM golang AS build', 'RUN go build', 'FROM python:latest', ...TAIL);
    expect(linesOf('GB011', text)).toEqual([1, 3]);
    expect(findingsOf('GB011', text).map((f) => f.message)).toEqual([
      'base image golang has no tag, so docker uses :latest, which moves: the grader can change or break with no change of yours',
      'base image python:latest uses :latest, which moves: the grader can change or break with no change of yours',
    ]);
  });

  it('not for tags, digests, scratch, earlier stages (any case), pinned ${VARS} or registry ports', () => {
    const text = dockerfile(
      'ARG PY=3.12', 'ARG STAGE=build', 'FROM python:${PY}-slim AS Build', 'FROM python@sha256:' + 'b'.repeat(64) + ' AS pinned', 'FROM scratch AS empty',
      'FROM build AS again', 'FROM localhost:5000/grader:1.2', 'FROM BUILD', 'FROM ${STAGE}', 'FROM python:${UNSET:-3.12}', 'FROM --platform=$BUILDPLATFORM golang:1.22-${TARGETARCH}', ...TAIL,
    );
    expect(linesOf('GB011', text)).toEqual([]);
  });

  it('a build argument whose default is latest, or that gives no version', () => {
    const text = dockerfile('ARG BASE_REPO=gradescope/autograder-base', 'ARG TAG="latest"', 'ARG IMAGE=python', 'FROM ${BASE_REPO}:${TAG}', 'FROM $IMAGE', 'FROM python:${NOPE:-latest}', ...TAIL);
    expect(findingsOf('GB011', text).map((f) => [f.line, f.message, f.fix])).toEqual([
      [4, 'base image ${BASE_REPO}:${TAG} is gradescope/autograder-base:latest by default (ARG BASE_REPO on line 1, ARG TAG on line 2), so it uses :latest, which moves: the grader can change or break with no change of yours',
        'pin the default: ARG TAG=… with a version tag or digest (or pin it in the FROM)'],
      [5, 'base image $IMAGE is python by default (ARG IMAGE on line 3), so it has no tag, so docker uses :latest, which moves: the grader can change or break with no change of yours',
        'pin the default: ARG IMAGE=… with a version tag or digest (or pin it in the FROM)'],
      [6, 'base image python:latest uses :latest, which moves: the grader can change or break with no change of yours',
        'pin a version tag (python:3.12-slim) or a digest (python@sha256:…), in the FROM or as the ARG\'s default'],
    ]);
  });

  it('a build argument with no default: the base is whatever --build-arg says, or the build fails', () => {
    const text = dockerfile('ARG BASE', 'FROM ${BASE}', 'FROM python:$TAG', 'FROM ${A}/${B}:1.0', ...TAIL);
    expect(findingsOf('GB011', text).map((f) => [f.line, f.message])).toEqual([
      [2, 'base image ${BASE} depends on build argument BASE with no default: the image is whatever --build-arg gives at build time (the build fails without it), and its version is not in this file'],
      [3, 'base image python:$TAG depends on build argument TAG with no default: the image is whatever --build-arg gives at build time (the build fails without it), and its version is not in this file'],
      [4, 'base image ${A}/${B}:1.0 depends on build arguments A, B with no default: the image is whatever --build-arg gives at build time (the build fails without it), and its version is not in this file'],
    ]);
    expect(findingsOf('GB011', text)[0]?.fix).toBe('give ARG BASE a pinned default before the first FROM, e.g. ARG BASE=…:1.2');
  });

  it('only global ARGs count: one declared in a stage does not reach a later FROM', () => {
    expect(linesOf('GB011', dockerfile('FROM python:3.12-slim AS a', 'ARG TAG=3.12', 'FROM python:${TAG}', ...TAIL))).toEqual([3]);
  });

  it('substitutions it cannot judge stay silent', () => {
    expect(linesOf('GB011', dockerfile('ARG V=python:3.12', 'ARG W=${V}', 'FROM ${V#python:}', 'FROM ${W}', ...TAIL))).toEqual([]);
  });

  it('a stage named later is not a stage yet: FROM x before "AS x" is an image', () => {
    expect(linesOf('GB011', dockerfile('FROM tools', 'FROM python:3.12-slim AS tools', ...TAIL))).toEqual([1]);
  });
});

describe('GB020 relative destination without WORKDIR', () => {
  it('flags the destination (not the source), on the line it is on', () => {
    const text = dockerfile('FROM python:3.12-slim', 'COPY /abs/source grader/', 'COPY --chown=1000:1000 a \\', '    b \\', '    dest/', ...TAIL);
    expect(linesOf('GB020', text)).toEqual([2, 5]);
    expect(findingsOf('GB020', text)[0]).toMatchObject({
      severity: 'error',
      message: 'COPY destination "grader/" is relative and no WORKDIR precedes it: it lands in the base image\'s working directory, which this file does not show',
      fix: 'use an absolute destination: /grader/',
    });
  });

  it('ADD, JSON form, heredoc COPY and "." are checked too', () => {
    const text = dockerfile('FROM python:3.12-slim', 'ADD files.tar.gz opt', 'COPY ["a b", "c d"]', 'COPY <<EOF motd', 'hi', 'EOF', 'COPY . .', ...TAIL);
    expect(linesOf('GB020', text)).toEqual([2, 3, 4, 7]);
    expect(findingsOf('GB020', text).map((f) => f.fix)).toEqual([
      'use an absolute destination: /opt', 'use an absolute destination: /c d', 'use an absolute destination: /motd',
      'use an absolute destination: an absolute directory such as /grader/',
    ]);
  });

  it('not for absolute destinations, relative sources, ${VAR} destinations or heredoc bodies', () => {
    const text = dockerfile('FROM python:3.12-slim', 'COPY rel/src /abs/', 'COPY a $HOME/', 'COPY <<EOF /etc/x', 'COPY a relative', 'EOF', ...TAIL);
    expect(linesOf('GB020', text)).toEqual([]);
  });

  it('a WORKDIR in an earlier stage does not count for a stage on another base', () => {
    const text = dockerfile('FROM python:3.12-slim AS build', 'WORKDIR /src', 'FROM python:3.12-slim', 'COPY --from=build out bin/', ...TAIL);
    expect(linesOf('GB020', text)).toEqual([4]);
    expect(linesOf('GB021', text)).toEqual([]);
  });
});

describe('GB021 relative destination after WORKDIR', () => {
  it('names the resolved path, stacking relative WORKDIRs', () => {
    const text = dockerfile('FROM python:3.12-slim', 'WORKDIR /grader', 'COPY run.sh .', 'WORKDIR lib', 'COPY util.py ./', 'COPY tests tests/', 'COPY a b', ...TAIL);
    expect(linesOf('GB021', text)).toEqual([3, 5, 6, 7]);
    expect(findingsOf('GB021', text).map((f) => f.fix)).toEqual([
      'write the absolute path: /grader/', 'write the absolute path: /grader/lib/', 'write the absolute path: /grader/lib/tests/', 'write the absolute path: /grader/lib/b',
    ]);
    expect(findingsOf('GB021', text)[1]?.message).toBe('COPY destination "./" is relative: it resolves to /grader/lib/ (WORKDIR on line 4)');
    expect(linesOf('GB020', text)).toEqual([]);
  });

  it('inherits the WORKDIR of the stage it is built FROM', () => {
    const text = dockerfile('FROM python:3.12-slim AS base', 'WORKDIR /app', 'FROM base', 'COPY x y', ...TAIL);
    expect(findingsOf('GB021', text).map((f) => [f.line, f.fix])).toEqual([[4, 'write the absolute path: /app/y']]);
  });

  it('a WORKDIR it cannot resolve ($VAR, or relative with none before) still warns, without a path', () => {
    const text = dockerfile('FROM python:3.12-slim', 'WORKDIR $HOME', 'COPY a b', ...TAIL);
    expect(findingsOf('GB021', text).map((f) => [f.line, f.message])).toEqual([[3, 'COPY destination "b" is relative, to the WORKDIR on line 2, which cannot be resolved here']]);
  });
});

describe('GB022 ADD of a URL', () => {
  it('http(s) and git sources, at the ADD line', () => {
    const text = dockerfile('FROM python:3.12-slim', 'ADD https://example.com/tests.tar.gz /grader/', 'ADD https://github.com/org/repo.git /src', ...TAIL);
    expect(linesOf('GB022', text)).toEqual([2, 3]);
  });

  it('not with --checksum, and not for COPY or local files', () => {
    const text = dockerfile('FROM python:3.12-slim', `ADD --checksum=sha256:${'c'.repeat(64)} https://example.com/x.tgz /x/`, 'ADD tests.tgz /grader/', 'COPY http.txt /x', ...TAIL);
    expect(linesOf('GB022', text)).toEqual([]);
  });
});

describe('GB023 ADD instead of COPY', () => {
  it('a plain local file', () => {
    expect(linesOf('GB023', dockerfile('FROM python:3.12-slim', 'ADD run.sh /grader/run.sh', ...TAIL))).toEqual([2]);
  });

  it('not for archives (which ADD unpacks), URLs or heredocs', () => {
    const text = dockerfile('FROM python:3.12-slim', 'ADD a.tar.gz b.tgz c.tar.xz /opt/', 'ADD https://example.com/x /x', 'ADD <<EOF /etc/x', 'y', 'EOF', ...TAIL);
    expect(linesOf('GB023', text)).toEqual([]);
  });
});
