/**
 * `gradebox upload`: a grader image sent once, then one draft grader version per assignment part.
 * Everything the server would refuse and can be known beforehand (limits out of range, no such
 * part, a token or role that may not upload) is checked before a byte of the image is read.
 */
import { pipeline } from 'node:stream';
import type { ImportProgress } from '../image/image-source.ts';
import type { AutogradeGrader, GraderProtocol, GraderVersion } from '../platform/model.ts';
import type { ApiClient, UploadedImage } from './api-client.ts';
import { PreflightError } from './client-errors.ts';
import { checkLimits, LimitsOutOfRange, type LimitNames, type RequestedLimits } from './grader-limits.ts';
import { countingStream, type ImageArchive } from './image-archive.ts';

export interface PartTarget {
  assignment: string;
  part: string;
}

export interface UploadPlan {
  course: string;
  /** The first is the command's ASSIGNMENT PART, then each --additional-part; none with `autograde`. */
  targets: PartTarget[];
  /** `--autograde`: the assignment whose own (autograde) grader this is. */
  autograde?: string;
  limits: RequestedLimits;
  protocol?: GraderProtocol;
  /** root, UID or UID:GID inside the sandbox; absent: the protocol's default. */
  runAs?: string;
  /** `script` graders: the grading script in the image and its arguments. */
  script?: { path: string; args: string[] };
}

export interface UploadOutcome {
  image: UploadedImage;
  drafts: GraderVersion[];
  /** `--autograde`: the assignment's autograde grader draft; else null. */
  autograde: AutogradeGrader | null;
}

/**
 * Checks, against the server, everything about `plan` that does not need the image: the token's
 * `author` scope and a staff role in the course, each target part, and the limits against
 * `GET /api/limits` (LimitsOutOfRange naming the options as `names` spells them).
 */
export async function checkUploadPlan(client: ApiClient, plan: UploadPlan, names: LimitNames): Promise<void> {
  const [me, ranges] = await Promise.all([client.whoami(), client.limits()]);
  if (!me.scopes.includes('author')) {
    throw new PreflightError(`this token (user ${me.user.login}) lacks the \`author\` scope that uploading graders needs; log in with a token that has it`);
  }
  const role = me.courses.find((c) => c.id === plan.course)?.role;
  if (!me.user.isAdmin && role !== 'instructor' && role !== 'ta') {
    throw new PreflightError(role === undefined
      ? `${me.user.login} is not a member of course ${plan.course} (see \`gradebox courses\`)`
      : `${me.user.login} is a ${role} in course ${plan.course}; uploading graders needs the instructor or ta role`);
  }
  const problems = checkLimits(plan.limits, ranges, names);
  if (problems.length > 0) throw new LimitsOutOfRange(problems);
  const assignments = new Map<string, Promise<Set<string>>>();
  for (const { assignment } of plan.targets) {
    if (!assignments.has(assignment)) {
      assignments.set(assignment, client.assignment(plan.course, assignment).then((a) => new Set(a.parts.map((p) => p.id))));
    }
  }
  // Throws the server's 404 for an assignment that does not exist.
  if (plan.autograde !== undefined) await client.assignment(plan.course, plan.autograde);
  for (const { assignment, part } of plan.targets) {
    const parts = await assignments.get(assignment);
    if (parts !== undefined && !parts.has(part)) {
      const known = [...parts].join(', ') || 'none';
      throw new PreflightError(`assignment ${plan.course}/${assignment} has no part "${part}" (its parts: ${known}); add it to the course file and run \`gradebox apply\``);
    }
  }
}

/** Uploads the image (streamed, progress as it goes), then creates a draft for each target part. */
export async function uploadGrader(
  client: ApiClient,
  plan: UploadPlan,
  archive: ImageArchive,
  onProgress?: (p: ImportProgress) => void,
): Promise<UploadOutcome> {
  const counted = countingStream((done) => onProgress?.({ phase: 'upload', done, total: archive.size }));
  // A read error (the file changed or vanished) destroys the body, failing the request.
  pipeline(archive.open(), counted, () => undefined);
  const image = await client.uploadImage(plan.course, { stream: counted, size: archive.size, sha256: archive.sha256 });
  onProgress?.({ phase: 'creating drafts', done: 0 });
  const draft = {
    imageId: image.imageId,
    ...(plan.protocol ? { protocol: plan.protocol } : {}),
    ...(plan.runAs !== undefined ? { runAs: plan.runAs } : {}),
    ...(plan.script !== undefined ? { script: plan.script } : {}),
    ...(plan.limits.cpus !== undefined ? { cpus: plan.limits.cpus } : {}),
    ...(plan.limits.memoryMiB !== undefined ? { memoryMiB: plan.limits.memoryMiB } : {}),
    ...(plan.limits.timeoutSeconds !== undefined ? { timeoutSeconds: plan.limits.timeoutSeconds } : {}),
  };
  const drafts: GraderVersion[] = [];
  for (const { assignment, part } of plan.targets) drafts.push(await client.createDraft(plan.course, assignment, part, draft));
  const autograde = plan.autograde === undefined ? null : await client.createAutogradeDraft(plan.course, plan.autograde, draft);
  return { image, drafts, autograde };
}
