/**
 * TypeBox schemas of what the API accepts (params, query strings, JSON bodies). They validate
 * requests before a route runs and describe them in /openapi.json.
 */
import { Type } from 'typebox';
import { PROTOCOL_NAMES } from '../grader/protocol-names.ts';
import { AUTOGRADE_METHOD_NAMES } from '../platform/autograde-methods.ts';
import { GRADE_TRIGGERS, PART_FEEDBACKS, SUBMISSION_LIMIT_RANGES } from '../platform/model.ts';
import { PART_ID_PATTERN, SLUG_PATTERN } from '../platform/names.ts';

const SLUG = SLUG_PATTERN.source;
const { maxSubmissions: MAX_SUBMISSIONS, minIntervalSeconds: MIN_INTERVAL } = SUBMISSION_LIMIT_RANGES;

export const Slug = Type.String({ pattern: SLUG, description: 'lower-case letters, digits, ".", "_", "-"; 1–64 characters' });
/** Part ids may be mixed-case: Coursera's are, and graders compare `partId` exactly. */
export const PartId = Type.String({ pattern: PART_ID_PATTERN.source, description: 'letters, digits, ".", "_", "-"; 1–64 characters' });
export const Login = Type.String({ pattern: SLUG, description: 'login name' });
export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_:-]+$' });
export const ScopeName = Type.Union([Type.Literal('read'), Type.Literal('submit'), Type.Literal('author'), Type.Literal('manage')]);
export const RoleName = Type.Union([Type.Literal('instructor'), Type.Literal('ta'), Type.Literal('student')]);
export const ProtocolName = Type.Union(PROTOCOL_NAMES.map((name) => Type.Literal(name)), { description: 'grader protocol' });

export const CourseParams = Type.Object({ course: Slug });
export const AssignmentParams = Type.Object({ course: Slug, assignment: Slug });
export const PartParams = Type.Object({ course: Slug, assignment: Slug, part: PartId });
export const ImageParams = Type.Object({ course: Slug, imageId: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }) });
export const LoginParams = Type.Object({ login: Login });
export const IdParams = Type.Object({ id: Id });

export const NewUserBody = Type.Object(
  {
    login: Login,
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    isAdmin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const NewTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(ScopeName, { minItems: 1, uniqueItems: true }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const CourseFileBody = Type.Object(
  {
    course: Type.Object({ id: Slug, title: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    members: Type.Optional(
      Type.Array(
        Type.Object({ login: Login, displayName: Type.Optional(Type.String({ maxLength: 200 })), role: RoleName }, { additionalProperties: false }),
        { maxItems: 10000 },
      ),
    ),
    assignments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Slug,
            title: Type.String({ minLength: 1, maxLength: 200 }),
            deadline: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
            maxSubmissions: Type.Optional(Type.Union([Type.Integer({ minimum: MAX_SUBMISSIONS.min, maximum: MAX_SUBMISSIONS.max }), Type.Null()])),
            minIntervalSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: MIN_INTERVAL.min, maximum: MIN_INTERVAL.max }), Type.Null()])),
            // The late rules are checked by the course file's one checker (src/platform/course-file-late.ts), path by path.
            latePolicy: Type.Optional(Type.Unknown({ description: '{steps: [{after: "10m", factor: 0.8}, …]} or {percent, per: hour|day, floor}; needs a deadline' })),
            cutoff: Type.Optional(Type.Unknown({ description: 'a time with a time zone, not before the deadline; null: none' })),
            extensions: Type.Optional(Type.Unknown({ description: '[{student: LOGIN, until: TIME}]; absent: extensions are left as they are' })),
            trigger: Type.Optional(Type.Union(GRADE_TRIGGERS.map((name) => Type.Literal(name)))),
            partFeedback: Type.Optional(Type.Union(PART_FEEDBACKS.map((name) => Type.Literal(name)))),
            // Checked, with a message that says what to write, by the platform's course file checker.
            completeAt: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            autograde: Type.Optional(Type.Union(AUTOGRADE_METHOD_NAMES.map((name) => Type.Literal(name)))),
            // Checked, with its path, by the course file's checker: true or false.
            leaderboard: Type.Optional(Type.Unknown({ description: 'true: students see the assignment\'s leaderboard (default false)' })),
            // Release (docs/course-workflow.md "Release and visibility"); checked by the platform's course file checker.
            release: Type.Optional(Type.Unknown({ description: 'immediate (default for new assignments) or manual; absent: left as it is' })),
            releaseAt: Type.Optional(Type.Unknown({ description: 'automatic release, a time with a time zone (implies manual); null: none; absent: left as it is' })),
            parts: Type.Array(
              Type.Object(
                {
                  id: PartId,
                  title: Type.Optional(Type.String({ maxLength: 200 })),
                  points: Type.Number({ minimum: 0, maximum: 1e6 }),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 100 },
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ApplyQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean()),
  prune: Type.Optional(Type.Boolean()),
});

export const NewGraderBody = Type.Object(
  {
    imageId: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
    protocol: Type.Optional(Type.Union([ProtocolName, Type.Null()])),
    runAs: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    script: Type.Optional(Type.Union([
      Type.Object(
        {
          path: Type.String({ minLength: 1, maxLength: 4096, description: 'the grading script in the image: absolute, or relative to /home/codio/workspace' }),
          args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64, description: "the script's arguments, e.g. a deadline 2016-11-24T14:30" })),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ], { description: 'script graders only (and required by them)' })),
    cpus: Type.Optional(Type.Number()),
    memoryMiB: Type.Optional(Type.Integer()),
    timeoutSeconds: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const ExtensionParams = Type.Object({ course: Slug, assignment: Slug, login: Login });
export const GrantExtensionBody = Type.Object(
  { until: Type.String({ maxLength: 64, description: 'the student\'s deadline: a time with a time zone, after the assignment\'s' }) },
  { additionalProperties: false },
);
export const LateStatusQuery = Type.Object({ login: Type.Optional(Login) });

export const SubmissionListQuery = Type.Object({ login: Type.Optional(Login) });

/** Completing: nothing (the caller's own work), one student (`login`), or every student (`all`). */
export const CompletionBody = Type.Object(
  {
    login: Type.Optional(Login),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CompletionParams = Type.Object({ course: Slug, assignment: Slug, login: Login });

export const GradeListQuery = Type.Object({ login: Type.Optional(Login) });

/** `PUT …/pseudonym`: the name is checked by the platform (src/platform/pseudonym-names.ts), with a message. */
export const PseudonymBody = Type.Object(
  { pseudonym: Type.Union([Type.String({ maxLength: 512 }), Type.Null()]) },
  { additionalProperties: false },
);

/** Publishing: `acceptChanges` takes changed golden results as the new expectations. */
export const PublishBody = Type.Union([
  Type.Object({ acceptChanges: Type.Optional(Type.Boolean({ description: 'publish even though golden results change, and make them the new expectations' })) }, { additionalProperties: false }),
  Type.Null(),
]);

/** Pinning a golden: a submission of the assignment, a label, and expected points per part. */
export const NewGoldenBody = Type.Object(
  {
    submissionId: Id,
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    expect: Type.Optional(
      Type.Record(PartId, Type.Number(), { description: 'expected points per part (0 to the part\'s points); other parts expect the submission\'s current result' }),
    ),
  },
  { additionalProperties: false },
);

export const GoldenParams = Type.Object({ course: Slug, assignment: Slug, golden: Id });
/** The grade-event feed's page: digits only (no sign, no fraction); the platform checks the ranges. */
export const GradeEventsQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'the seq of the last event already read (default 0)' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'events per page, 1–1000 (default 100)' })),
  },
  { additionalProperties: false },
);

/** Starting a regrade (docs/api.md, "Regrades"): selection, grader choice, dry run. */
export const RegradeBody = Type.Object(
  {
    students: Type.Optional(Type.Array(Login, { maxItems: 100_000 })),
    parts: Type.Optional(Type.Array(PartId, { maxItems: 1000 })),
    grader: Type.Optional(
      Type.Union([
        Type.Object({ kind: Type.Literal('published') }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('draft') }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('version'), number: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      ]),
    ),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
// gradebook: overrides, the grade log, export
export const OverrideParams = Type.Object({ course: Slug, assignment: Slug, login: Login });
export const OverrideBody = Type.Object(
  {
    part: Type.Optional(Type.Union([PartId, Type.Null()], { description: 'the part whose points are set; absent or null: the assignment grade (0–100)' })),
    value: Type.Number({ description: 'points (or the assignment grade); finite, ≥ 0; above the maximum is extra credit (a warning)' }),
    reason: Type.Optional(Type.String({ description: 'why (required, non-empty, at most 1000 characters); logged' })),
  },
  { additionalProperties: false },
);
export const OverrideRemoveQuery = Type.Object({ part: Type.Optional(PartId), reason: Type.Optional(Type.String({ maxLength: 1000 })) });
export const GradeLogQuery = Type.Object({ login: Type.Optional(Login) });
export const GradeExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { description: 'default csv' })),
  assignment: Type.Optional(Slug),
});
