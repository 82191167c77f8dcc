/**
 * Builds the `Platform` (src/platform/platform.ts) over a database and a job queue. Each
 * operation lives in a small module of its own; this file only wires them to one context.
 */
import type { Db } from '../db/database.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { authenticate, bootstrapAdmin, createUser, listUsers, whoami } from './accounts.ts';
import { applyCourseFile } from './apply-course-file.ts';
import { applyPreviewedCourseFile, previewCourseFile } from './apply-course-file.ts';
import { getAssignment, listAssignments } from './assignments.ts';
import type { PlatformContext } from './context.ts';
import { runDueCompletions } from './completion-schedule.ts';
import { complete, listCompletions, uncomplete } from './completions.ts';
import { getCourse, listCourses, listMembers } from './courses.ts';
import { grantExtension, listExtensions, revokeExtension } from './extensions.ts';
import { listGoldens, pinGolden, unpinGolden } from './golden.ts';
import { runGoldens } from './golden-runs.ts';
import { getRobustnessCheck, listRobustnessChecks, recordRobustnessCheck } from './robustness-checks.ts';
import { listGrades } from './grade-reads.ts';
import { exportGrades } from './grade-export.ts';
import { listGradeLog } from './grade-log-reads.ts';
import { removeGradeOverride, setGradeOverride } from './grade-overrides.ts';
import { createAutogradeDraft, listAutogradeGraders } from './autograde-graders.ts';
import { assertCanTestAutograde, getAutogradeTest, startAutogradeTest } from './autograde-tests.ts';
import { assertCanReadImage, assertCanUpload, createDraft, listGraderVersions, publish, recordImageUpload } from './graders.ts';
import { getLateStatus } from './late-status.ts';
import { getLeaderboard } from './leaderboard.ts';
import { getPseudonym, setPseudonym } from './pseudonyms.ts';
import { applyRegrade, cancelRegrade, discardRegrade, getRegrade, listRegrades } from './regrade-close.ts';
import { regradeApplyRefusal } from './regrade-close.ts';
import { previewRegrade } from './regrade-preview.ts';
import { startRegrade } from './regrade-start.ts';
import { DEFAULT_GRADER_LIMIT_RANGES, type GraderLimitRanges } from './model.ts';
import type { Platform } from './platform.ts';
import { getJob, getSubmission, getSubmissionJson, listSubmissions, listSubmissionsJson } from './submission-reads.ts';
import { SubmissionEvents } from './submission-events.ts';
import { runDueReleases } from './release-schedule.ts';
import { listGradeEvents, releaseGrades, withdrawGrades } from './releases.ts';
import { assertCanSubmit, submit } from './submissions.ts';
import { issueToken, listTokens, revokeToken, revokeUserTokens } from './tokens.ts';
import { getSubmissionForDownload } from './submission-download.ts';
import { getGradingProgress } from './grading-progress.ts';
import { getSetupRights, removeMember, setMember } from './course-members.ts';
import { listSubmissionJobs } from './submission-jobs.ts';
import { getQueueOverview } from './queue-overview.ts';
import { getCourseGradebook } from './course-gradebook.ts';
import { acceptInvitation, authenticateSession, createInvitation, describeInvitation, setPassword, signIn, signOut, signOutEverywhere } from './web-sign-in.ts';

export interface PlatformOptions {
  db: Db;
  /** Receives the grading jobs, in the submission's transaction (the SQL queue on the same `db`). */
  queue: JobQueue;
  /** Grader limits the server allows (default DEFAULT_GRADER_LIMIT_RANGES). */
  limits?: GraderLimitRanges;
  /** Shared with the grading store and the server's event stream (default: a new bus). */
  events?: SubmissionEvents;
  /** The clock (tests move it); default the system clock. */
  now?: () => Date;
}

/** The platform over `db` and `queue`; every method checks the caller's scopes and roles. */
export function createPlatform(options: PlatformOptions): Platform {
  const ctx: PlatformContext = {
    db: options.db,
    queue: options.queue,
    limits: options.limits ?? DEFAULT_GRADER_LIMIT_RANGES,
    events: options.events ?? new SubmissionEvents(),
    now: options.now ?? (() => new Date()),
  };
  return {
    limits: ctx.limits,
    authenticate: (token) => authenticate(ctx, token),
    bootstrapAdmin: () => bootstrapAdmin(ctx),
    whoami: (actor) => whoami(ctx, actor),
    createUser: (actor, input) => createUser(ctx, actor, input),
    listUsers: (actor) => listUsers(ctx, actor),
    issueToken: (actor, input) => issueToken(ctx, actor, input),
    listTokens: (actor, login) => listTokens(ctx, actor, login),
    revokeToken: (actor, tokenId) => revokeToken(ctx, actor, tokenId),
    revokeUserTokens: (actor, login) => revokeUserTokens(ctx, actor, login),
    listCourses: (actor) => listCourses(ctx, actor),
    getCourse: (actor, courseId) => getCourse(ctx, actor, courseId),
    listMembers: (actor, courseId) => listMembers(ctx, actor, courseId),
    applyCourseFile: (actor, file, applyOptions) => applyCourseFile(ctx, actor, file, applyOptions),
    createCourse: (actor, input) =>
      applyCourseFile(ctx, actor, { course: { id: input.id, title: input.title }, members: [{ login: input.instructor, role: 'instructor' }] }, { create: true }),
    listAssignments: (actor, courseId) => listAssignments(ctx, actor, courseId),
    getAssignment: (actor, courseId, assignmentId) => getAssignment(ctx, actor, courseId, assignmentId),
    listExtensions: (actor, courseId, assignmentId) => listExtensions(ctx, actor, courseId, assignmentId),
    grantExtension: (actor, courseId, assignmentId, login, until) => grantExtension(ctx, actor, courseId, assignmentId, login, until),
    revokeExtension: (actor, courseId, assignmentId, login) => revokeExtension(ctx, actor, courseId, assignmentId, login),
    getLateStatus: (actor, courseId, assignmentId, login) => getLateStatus(ctx, actor, courseId, assignmentId, login),
    assertCanUpload: (actor, courseId) => assertCanUpload(ctx, actor, courseId),
    recordImageUpload: (actor, courseId, imageId) => recordImageUpload(ctx, actor, courseId, imageId),
    createDraft: (actor, input) => createDraft(ctx, actor, input),
    listGraderVersions: (actor, courseId, assignmentId, partId) => listGraderVersions(ctx, actor, courseId, assignmentId, partId),
    publish: (actor, courseId, assignmentId, publishOptions) => publish(ctx, actor, courseId, assignmentId, publishOptions),
    createAutogradeDraft: (actor, input) => createAutogradeDraft(ctx, actor, input),
    listAutogradeGraders: (actor, courseId, assignmentId) => listAutogradeGraders(ctx, actor, courseId, assignmentId),
    assertCanTestAutograde: (actor, courseId, assignmentId) => assertCanTestAutograde(ctx, actor, courseId, assignmentId),
    startAutogradeTest: (actor, input) => startAutogradeTest(ctx, actor, input),
    getAutogradeTest: (actor, id) => getAutogradeTest(ctx, actor, id),
    assertCanReadImage: (actor, courseId, imageId) => assertCanReadImage(ctx, actor, courseId, imageId),
    assertCanSubmit: (actor, courseId, assignmentId) => assertCanSubmit(ctx, actor, courseId, assignmentId),
    submit: (actor, input, priority) => submit(ctx, actor, input, priority),
    getSubmission: (actor, submissionId) => getSubmission(ctx, actor, submissionId),
    getSubmissionJson: (actor, submissionId) => getSubmissionJson(ctx, actor, submissionId),
    listSubmissions: (actor, courseId, assignmentId, filter) => listSubmissions(ctx, actor, courseId, assignmentId, filter),
    listSubmissionsJson: (actor, courseId, assignmentId, filter) => listSubmissionsJson(ctx, actor, courseId, assignmentId, filter),
    getJob: (actor, jobId) => getJob(ctx, actor, jobId),
    complete: (actor, courseId, assignmentId, request) => complete(ctx, actor, courseId, assignmentId, request),
    uncomplete: (actor, courseId, assignmentId, login) => uncomplete(ctx, actor, courseId, assignmentId, login),
    listCompletions: (actor, courseId, assignmentId) => listCompletions(ctx, actor, courseId, assignmentId),
    listGrades: (actor, courseId, assignmentId, filter) => listGrades(ctx, actor, courseId, assignmentId, filter),
    runDueCompletions: (runner) => runDueCompletions(ctx, runner),
    getPseudonym: (actor, courseId) => getPseudonym(ctx, actor, courseId),
    setPseudonym: (actor, courseId, pseudonym) => setPseudonym(ctx, actor, courseId, pseudonym),
    getLeaderboard: (actor, courseId, assignmentId) => getLeaderboard(ctx, actor, courseId, assignmentId),
    pinGolden: (actor, input) => pinGolden(ctx, actor, input),
    listGoldens: (actor, courseId, assignmentId) => listGoldens(ctx, actor, courseId, assignmentId),
    unpinGolden: (actor, courseId, assignmentId, goldenId) => unpinGolden(ctx, actor, courseId, assignmentId, goldenId),
    runGoldens: (actor, courseId, assignmentId) => runGoldens(ctx, actor, courseId, assignmentId),
    releaseGrades: (actor, courseId, assignmentId) => releaseGrades(ctx, actor, courseId, assignmentId),
    withdrawGrades: (actor, courseId, assignmentId) => withdrawGrades(ctx, actor, courseId, assignmentId),
    listGradeEvents: (actor, courseId, page) => listGradeEvents(ctx, actor, courseId, page),
    runDueReleases: (runner) => runDueReleases(ctx, runner),
    startRegrade: (actor, courseId, assignmentId, request) => startRegrade(ctx, actor, courseId, assignmentId, request),
    getRegrade: (actor, regradeId) => getRegrade(ctx, actor, regradeId),
    listRegrades: (actor, courseId, assignmentId) => listRegrades(ctx, actor, courseId, assignmentId),
    previewRegrade: (actor, regradeId) => previewRegrade(ctx, actor, regradeId),
    applyRegrade: (actor, regradeId) => applyRegrade(ctx, actor, regradeId),
    discardRegrade: (actor, regradeId) => discardRegrade(ctx, actor, regradeId),
    cancelRegrade: (actor, regradeId) => cancelRegrade(ctx, actor, regradeId),
    regradeApplyRefusal: (actor, regradeId) => regradeApplyRefusal(ctx, actor, regradeId),
    setGradeOverride: (actor, courseId, assignmentId, login, request) => setGradeOverride(ctx, actor, courseId, assignmentId, login, request),
    removeGradeOverride: (actor, courseId, assignmentId, login, request) => removeGradeOverride(ctx, actor, courseId, assignmentId, login, request),
    listGradeLog: (actor, courseId, filter) => listGradeLog(ctx, actor, courseId, filter),
    exportGrades: (actor, courseId, filter) => exportGrades(ctx, actor, courseId, filter),
    // web sign-in
    setPassword: (actor, login, password) => setPassword(ctx, actor, login, password),
    createInvitation: (actor, login, invitationOptions) => createInvitation(ctx, actor, login, invitationOptions),
    describeInvitation: (token) => describeInvitation(ctx, token),
    acceptInvitation: (token, password) => acceptInvitation(ctx, token, password),
    signIn: (login, password) => signIn(ctx, login, password),
    authenticateSession: (sessionId) => authenticateSession(ctx, sessionId),
    signOut: (sessionId) => signOut(ctx, sessionId),
    signOutEverywhere: (actor, login) => signOutEverywhere(ctx, actor, login),
    getSubmissionForDownload: (actor, submissionId) => getSubmissionForDownload(ctx, actor, submissionId),
    getGradingProgress: (actor, submissionId) => getGradingProgress(ctx, actor, submissionId),
    // the web set-up page
    getSetupRights: (actor, courseId) => getSetupRights(ctx, actor, courseId),
    setMember: (actor, courseId, input) => setMember(ctx, actor, courseId, input),
    removeMember: (actor, courseId, login) => removeMember(ctx, actor, courseId, login),
    previewCourseFile: (actor, file, previewOptions) => previewCourseFile(ctx, actor, file, previewOptions),
    applyPreviewedCourseFile: (actor, file, applyOptions) => applyPreviewedCourseFile(ctx, actor, file, applyOptions),
    recordRobustnessCheck: (actor, input) => recordRobustnessCheck(ctx, actor, input),
    getRobustnessCheck: (actor, checkId) => getRobustnessCheck(ctx, actor, checkId),
    listRobustnessChecks: (actor, courseId, assignmentId) => listRobustnessChecks(ctx, actor, courseId, assignmentId),
    listSubmissionJobs: (actor, submissionId) => listSubmissionJobs(ctx, actor, submissionId),
    getQueueOverview: (actor, courseId) => getQueueOverview(ctx, actor, courseId),
    getCourseGradebook: (actor, courseId) => getCourseGradebook(ctx, actor, courseId),
  };
}
