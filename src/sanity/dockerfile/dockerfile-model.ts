import { DockerfileParser, type Argument, type Dockerfile, type From, type Heredoc, type Instruction } from 'dockerfile-ast';
import { baseReference, type BaseReference } from './base-reference.ts';

/** Anything with a position in the Dockerfile (instructions, arguments, flags, heredocs). */
interface Ranged {
  getRange(): { start: { line: number } };
}

/** One build stage: a FROM and the instructions up to the next FROM. */
export interface Stage {
  index: number;
  from: From;
  /** The image the FROM names, build arguments substituted; undefined when it names none. */
  base: BaseReference | undefined;
  /** The `AS name`, lower-cased (Docker compares stage names case-insensitively). */
  name: string | undefined;
  /** The earlier stage this one builds on (`FROM build`), whose instructions it inherits. */
  parent: Stage | undefined;
  /** The instructions after FROM, up to the next FROM. */
  body: Instruction[];
}

/** A parsed Dockerfile with its stages worked out, as the lint rules see it. */
export interface DockerfileModel {
  ast: Dockerfile;
  /** Raw lines of the file, for text-level checks (ignore comments). */
  lines: string[];
  instructions: Instruction[];
  /** Instructions before the first FROM (only ARG is allowed there). */
  preamble: Instruction[];
  stages: Stage[];
  /** The stage `docker build` produces; undefined when there is no FROM. */
  final: Stage | undefined;
  /** Every instruction that shapes the final image, in build order: inherited stages first. */
  finalImage: Instruction[];
}

/** Parses Dockerfile text. Never throws: dockerfile-ast accepts anything, garbage included. */
export function parseDockerfile(text: string): DockerfileModel {
  const ast = DockerfileParser.parse(text);
  const instructions = ast.getInstructions();
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      const base = baseReference(from, ast, preamble);
      const image = (base?.resolved ?? base?.written)?.toLowerCase();
      // Only an earlier stage can be built on; a later name is an image of that name.
      const parent = image === undefined ? undefined : stages.findLast((s) => s.name === image);
      stages.push({ index: stages.length, from, base, name: from.getBuildStage()?.toLowerCase() ?? undefined, parent, body: [] });
    } else {
      (stages.at(-1)?.body ?? preamble).push(instruction);
    }
  }
  const final = stages.at(-1);
  return {
    ast, lines: text.split(/\r?\n/), instructions, preamble, stages, final,
    finalImage: final === undefined ? [] : imageInstructions(final),
  };
}

/** 1-based line where a node starts. */
export function lineOf(node: Ranged): number {
  return node.getRange().start.line + 1;
}

/** The stages an image is built from, root first, ending with `stage` itself. */
export function stageChain(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s !== undefined; s = s.parent) chain.unshift(s);
  return chain;
}

/** The instructions that shape a stage's image, inherited ones first (FROMs excluded). */
export function imageInstructions(stage: Stage): Instruction[] {
  return stageChain(stage).flatMap((s) => s.body);
}

/** The stage at the root of a stage's chain: the one whose FROM names an external image. */
export function rootStage(stage: Stage): Stage {
  return stageChain(stage)[0] ?? stage;
}

export function ofKind(instructions: readonly Instruction[], keyword: string): Instruction[] {
  return instructions.filter((i) => i.getKeyword() === keyword);
}

/** The here-documents of an instruction (RUN, COPY and ADD can have them). */
export function heredocsOf(instruction: Instruction): Heredoc[] {
  if (!['RUN', 'COPY', 'ADD'].includes(instruction.getKeyword())) return [];
  // getHeredocs is public on Run and Copy, protected on Instruction (so on Add); it works on all three.
  return (instruction as unknown as { getHeredocs(): Heredoc[] }).getHeredocs();
}

/**
 * The arguments on the instruction's own command line: flags and here-document bodies left out,
 * so `COPY <<EOF /etc/x.conf` yields `<<EOF` and `/etc/x.conf`, not the body's words.
 */
export function commandArguments(instruction: Instruction): Argument[] {
  const args = instruction.getArguments();
  const heredocs = heredocsOf(instruction);
  if (heredocs.length === 0) return args;
  // A body starts on the line after the one holding its `<<NAME` operator.
  const bodyStart = Math.min(...heredocs.map((h) => h.getStartRange().start.line)) + 1;
  return args.filter((a) => a.getRange().start.line < bodyStart);
}

/**
 * The instruction's JSON ("exec form") array, exactly as Docker decides: the arguments, joined
 * across line continuations, must parse as a JSON array of strings; anything else (single quotes,
 * a trailing word, a number) makes Docker treat the text as shell form. Undefined for shell form.
 */
export function execForm(instruction: Instruction): string[] | undefined {
  const content = instruction.getArgumentsContent()?.trim();
  if (content?.startsWith('[') !== true) return undefined;
  try {
    const parsed: unknown = JSON.parse(content);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The sources and destination of a COPY or ADD (either form); undefined when it has fewer than two. */
export function copyOperands(instruction: Instruction): { sources: string[]; destination: string; line: number } | undefined {
  const json = heredocsOf(instruction).length === 0 ? execForm(instruction) : undefined;
  if (json !== undefined) {
    const destination = json.at(-1);
    return json.length < 2 || destination === undefined ? undefined : { sources: json.slice(0, -1), destination, line: lineOf(instruction) };
  }
  const args = commandArguments(instruction);
  const last = args.at(-1);
  if (args.length < 2 || last === undefined) return undefined;
  return { sources: args.slice(0, -1).map((a) => a.getValue()), destination: last.getValue(), line: lineOf(last) };
}

/** The value of a `--name=value` flag of an instruction, null for a bare `--name`, undefined when absent. */
export function flagValue(instruction: Instruction, name: string): string | null | undefined {
  const flags = (instruction as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [];
  const flag = flags.find((f) => f.getName() === name);
  return flag === undefined ? undefined : flag.getValue();
}
