import type { Instruction } from 'dockerfile-ast';
import { commandArguments, copyOperands, lineOf, type DockerfileModel } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';

// Every instruction the Dockerfile reference knows (MAINTAINER is deprecated but still accepted).
const KNOWN = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER',
  'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

// Instructions docker build refuses without an argument (BuildKit's "requires at least one argument").
const NEED_ARGUMENT = new Set(['ENV', 'ARG', 'USER', 'WORKDIR', 'EXPOSE', 'VOLUME', 'LABEL', 'STOPSIGNAL', 'ONBUILD']);

/** GB001: a Dockerfile needs a FROM; an empty file, or one of comments only, builds nothing. */
export const noFrom: LintRule = {
  id: 'GB001',
  severity: 'error',
  title: 'no FROM instruction (empty file, comments only, or not a Dockerfile)',
  fix: 'start the Dockerfile with a base image, e.g. FROM python:3.12-slim',
  check: (file) => (file.stages.length > 0 ? [] : [{
    line: file.preamble[0] === undefined ? 1 : lineOf(file.preamble[0]),
    message: file.instructions.length === 0 ? 'the file has no instructions at all' : 'there is no FROM instruction, so docker build has no base image',
  }]),
};

/** GB002: a line docker build cannot parse as an instruction stops the build. */
export const unknownInstruction: LintRule = {
  id: 'GB002',
  severity: 'error',
  title: 'unknown instruction (a typo, or a continued line missing its trailing backslash)',
  fix: 'fix the instruction name, or end the line before with a backslash if this line continues it',
  check: (file) => file.instructions
    .filter((i) => !KNOWN.has(i.getKeyword()))
    .map((i) => ({ line: lineOf(i), message: `unknown instruction ${JSON.stringify(shorten(i.getInstruction()))}: docker build stops here` })),
};

/** GB003: only ARG may come before the first FROM. */
export const beforeFrom: LintRule = {
  id: 'GB003',
  severity: 'error',
  title: 'instruction before the first FROM (only ARG may come first)',
  fix: 'move it after FROM; only ARG (to parameterize FROM) may precede it',
  check: (file) => (file.stages.length === 0 ? [] : file.preamble
    .filter((i) => i.getKeyword() !== 'ARG' && KNOWN.has(i.getKeyword()))
    .map((i) => ({ line: lineOf(i), message: `${i.getKeyword()} comes before the first FROM, where there is no image to apply it to` }))),
};

/** GB004: instructions that docker build refuses for a missing or malformed argument list. */
export const missingArguments: LintRule = {
  id: 'GB004',
  severity: 'error',
  title: 'instruction without the arguments it requires (FROM, COPY/ADD, ENV, USER, …)',
  fix: 'complete the instruction (see the Dockerfile reference)',
  check: (file) => file.instructions.flatMap((i) => missing(i)),
};

function missing(instruction: Instruction): Hit[] {
  const keyword = instruction.getKeyword();
  const args = commandArguments(instruction);
  const line = lineOf(instruction);
  if (keyword === 'FROM') {
    const ok = args.length === 1 || (args.length === 3 && args[1]?.getValue().toLowerCase() === 'as');
    return ok ? [] : [{ line, message: `FROM takes an image and optionally "AS name", got ${args.length === 0 ? 'nothing' : JSON.stringify(args.map((a) => a.getValue()).join(' '))}` }];
  }
  if (keyword === 'COPY' || keyword === 'ADD') {
    return copyOperands(instruction) !== undefined ? [] : [{ line, message: `${keyword} needs at least a source and a destination` }];
  }
  return NEED_ARGUMENT.has(keyword) && args.length === 0 ? [{ line, message: `${keyword} needs an argument` }] : [];
}

/** GB005: two stages with the same name; docker build refuses the file. */
export const duplicateStage: LintRule = {
  id: 'GB005',
  severity: 'error',
  title: 'two build stages with the same name',
  fix: 'give each stage its own name (FROM … AS name)',
  check: (file: DockerfileModel) => file.stages.flatMap((stage) => {
    const earlier = file.stages.find((s) => s.index < stage.index && s.name !== undefined && s.name === stage.name);
    return earlier === undefined ? [] : [{
      line: lineOf(stage.from),
      message: `stage name "${stage.name}" is already used by the stage on line ${lineOf(earlier.from)}`,
    }];
  }),
};

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * GB000: the file is not text (NUL bytes, invalid UTF-8) or far too big for a Dockerfile. Checked
 * on the bytes before parsing (see lint-dockerfile.ts); when it fires, no other rule runs.
 */
export const notText: LintRule = {
  id: 'GB000',
  severity: 'error',
  title: 'not a Dockerfile: binary data, invalid UTF-8, or over 1 MiB',
  fix: 'point -f at the Dockerfile itself',
  check: () => [],
};
