import type { Command } from 'commander';

/**
 * One command as its parent's help lists it, and how to load it. Loading a command module pulls in
 * its whole library (image store, sandbox, HTTP client, server…), so the CLI loads only the one
 * being run; `--help` and `--version` load none. `term` and `summary` repeat what commander
 * derives from the loaded command (test/cli/command-index.test.ts keeps them equal).
 */
export type CommandEntry = {
  name: string;
  /** The command's line in its parent's help: name, `[options]`, arguments. */
  term: string;
  summary: string;
} & (
  | { load(): Promise<Command> }
  /** A command made of subcommands only (`grade local`, `grade remote`), each loaded on its own. */
  | { subcommands: readonly CommandEntry[] }
);

/** Every top-level command, in the order `gradebox --help` lists them. */
export const COMMAND_INDEX: readonly CommandEntry[] = [
  {
    name: 'grade',
    term: 'grade',
    summary: 'Grade a submission with a grader image',
    subcommands: [
      {
        name: 'local',
        term: 'local [options] <image> <submission-dir> [args...]',
        summary: 'Grade a submission directory with a grader image, in the production sandbox',
        load: async () => (await import('./commands/grade-local.ts')).gradeLocalCommand(),
      },
      {
        name: 'remote',
        term: 'remote [options] <submission-id>',
        summary: 'Grade a server\'s submission on this machine, with the same grader version and limits, and compare with the stored result',
        load: async () => (await import('./commands/grade-remote.ts')).gradeRemoteCommand(),
      },
    ],
  },
  {
    name: 'inspect',
    term: 'inspect [options] <image>',
    summary: 'Open a shell in the production sandbox of a grader image, with the protocol\'s layout (and a submission)',
    load: async () => (await import('./commands/inspect.ts')).inspectCommand(),
  },
  {
    name: 'check-grader',
    term: 'check-grader [options] <image-or-part...>',
    summary: 'Run a grader against built-in hostile and malformed submissions and report how it fared on each',
    load: async () => (await import('./commands/check-grader.ts')).checkGraderCommand(),
  },
  {
    name: 'ls',
    term: 'ls [options] <image> [dir]',
    summary: 'List a directory of an image, read straight from its layers (whiteouts applied): no container, no runtime needed',
    load: async () => (await import('./commands/ls.ts')).lsCommand(),
  },
  {
    name: 'cat',
    term: 'cat <image> <file...>',
    summary: 'Print files of an image, read straight from its layers (whiteouts applied): no container, no runtime needed',
    load: async () => (await import('./commands/cat.ts')).catCommand(),
  },
  {
    name: 'sanity',
    term: 'sanity [options]',
    summary: 'Check that this machine can run graders, and lint a grader Dockerfile',
    load: async () => (await import('./commands/sanity.ts')).sanityCommand(),
  },
  {
    name: 'serve',
    term: 'serve [options]',
    summary: 'Run the grading service: HTTP API, job queue and grading workers, on an embedded database',
    load: async () => (await import('./commands/serve.ts')).serveCommand(),
  },
  // Server commands (src/client/): talk to a gradebox server over its HTTP API.
  {
    name: 'login',
    term: 'login [options]',
    summary: 'Log in to a gradebox server: check an API token with it and save it for the other commands',
    load: async () => (await import('./commands/login.ts')).loginCommand(),
  },
  {
    name: 'logout',
    term: 'logout [options]',
    summary: 'Forget the token saved for a server (it stays valid on the server until revoked)',
    load: async () => (await import('./commands/logout.ts')).logoutCommand(),
  },
  {
    name: 'whoami',
    term: 'whoami [options]',
    summary: 'Show who the token belongs to on the server: login, scopes, courses and roles',
    load: async () => (await import('./commands/whoami.ts')).whoamiCommand(),
  },
  {
    name: 'users',
    term: 'users [options]',
    summary: 'List the users of the server (administrators); `users add LOGIN` creates one',
    load: async () => (await import('./commands/users.ts')).usersCommand(),
  },
  {
    name: 'tokens',
    term: 'tokens',
    summary: 'Issue, list and revoke API tokens (administrators for anyone; anyone for themselves)',
    load: async () => (await import('./commands/tokens.ts')).tokensCommand(),
  },
  {
    name: 'courses',
    term: 'courses [options]',
    summary: 'List your courses on the server, with your role in each (administrators see all)',
    load: async () => (await import('./commands/courses.ts')).coursesCommand(),
  },
  {
    name: 'assignments',
    term: 'assignments [options] <course>',
    summary: 'List a course\'s assignments: deadline, late policy, cutoff, submission limits, parts with points, and each part\'s published and draft grader',
    load: async () => (await import('./commands/assignments.ts')).assignmentsCommand(),
  },
  {
    name: 'extensions',
    term: 'extensions [options] <course> <assignment>',
    summary: 'List an assignment\'s extensions; staff grant (--grant LOGIN --until TIME) or revoke (--revoke LOGIN) them',
    load: async () => (await import('./commands/extensions.ts')).extensionsCommand(),
  },
  {
    name: 'apply',
    term: 'apply [options] <file>',
    summary: 'Create or update a course, its members, assignments and parts from a course file (YAML or JSON)',
    load: async () => (await import('./commands/apply.ts')).applyCommand(),
  },
  {
    name: 'upload',
    term: 'upload [options] <image> <course> <assignment> [part]',
    summary: "Upload a grader image and make it the draft grader of one or more assignment parts, or (--autograde) the assignment's autograde grader",
    load: async () => (await import('./commands/upload.ts')).uploadCommand(),
  },
  {
    name: 'publish',
    term: 'publish [options] <course> <assignment>',
    summary: 'Publish assignments: each part\'s newest draft grader becomes the one that grades students',
    load: async () => (await import('./commands/publish.ts')).publishCommand(),
  },
  {
    name: 'golden',
    term: 'golden',
    summary: 'Golden submissions: pinned with their expected results, which publishing a draft may not change unless accepted',
    subcommands: [
      {
        name: 'pin',
        term: 'pin [options] <course> <assignment> [sample...]',
        summary: 'Pin a submission as golden with its expected per-part results (default: its current ones)',
        load: async () => (await import('./commands/golden.ts')).goldenPinCommand(),
      },
      {
        name: 'list',
        term: 'list [options] <course> <assignment>',
        summary: "List an assignment's golden submissions with their expectations and how they fare with the newest drafts",
        load: async () => (await import('./commands/golden.ts')).goldenListCommand(),
      },
      {
        name: 'unpin',
        term: 'unpin [options] <course> <assignment> <golden>',
        summary: 'Unpin a golden submission: drafts are no longer checked against it',
        load: async () => (await import('./commands/golden.ts')).goldenUnpinCommand(),
      },
      {
        name: 'run',
        term: 'run [options] <course> <assignment>',
        summary: 'Grade the golden submissions with the newest drafts, wait, and show which results would change',
        load: async () => (await import('./commands/golden.ts')).goldenRunCommand(),
      },
    ],
  },
  {
    name: 'test-grader',
    term: 'test-grader [options] <course> <assignment> <part> <sample...>',
    summary: "Grade sample submissions with a part's grader version on the server (default: its newest draft), as author test runs",
    load: async () => (await import('./commands/test-grader.ts')).testGraderCommand(),
  },
  {
    name: 'test-autograde',
    term: 'test-autograde [options] <course> <assignment> <sample...>',
    summary: "Run an assignment's autograde script (default: its newest draft) on sample submissions with part results you simulate, as author test runs",
    load: async () => (await import('./commands/test-autograde.ts')).testAutogradeCommand(),
  },
  {
    name: 'submit',
    term: 'submit [options] <course> <assignment> <path...>',
    summary: 'Submit files for grading: files, folders, or one zip/tar archive; --wait for the result',
    load: async () => (await import('./commands/submit.ts')).submitCommand(),
  },
  {
    name: 'submission',
    term: 'submission [options] <id>',
    summary: 'Show a submission\'s status and results; --wait for its grading to finish',
    load: async () => (await import('./commands/submission.ts')).submissionCommand(),
  },
  {
    name: 'complete',
    term: 'complete [options] <course> <assignment>',
    summary: 'Mark an assignment complete (final): yours, one student\'s (--student) or every student\'s (--all); it is then graded',
    load: async () => (await import('./commands/complete.ts')).completeCommand(),
  },
  {
    name: 'uncomplete',
    term: 'uncomplete [options] <course> <assignment>',
    summary: 'Staff: take back a student\'s completion, so they may submit again; completing again grades again',
    load: async () => (await import('./commands/uncomplete.ts')).uncompleteCommand(),
  },
  {
    name: 'release',
    term: 'release [options] <course> <assignment>',
    summary: "Instructors: release an assignment's grades, so students see their scores and the tests kept until publication",
    load: async () => (await import('./commands/release.ts')).releaseCommand('release'),
  },
  {
    name: 'withdraw',
    term: 'withdraw [options] <course> <assignment>',
    summary: "Instructors: withdraw an assignment's released grades: students see \"graded, not released yet\" again",
    load: async () => (await import('./commands/release.ts')).releaseCommand('withdraw'),
  },
  {
    name: 'grades',
    term: 'grades [options] <course> <assignment>',
    summary: 'Show assignment grades with their derivation: part points, method, raw grade, late adjustment, final grade',
    load: async () => (await import('./commands/grades.ts')).gradesCommand(),
  },
  {
    name: 'pseudonym',
    term: 'pseudonym [options] <course> [name]',
    summary: "Show or choose the name you appear under on the course's leaderboards",
    load: async () => (await import('./commands/pseudonym.ts')).pseudonymCommand(),
  },
  {
    name: 'leaderboard',
    term: 'leaderboard [options] <course> <assignment>',
    summary: "Show an assignment's leaderboard: students ranked by each value their grader reports",
    load: async () => (await import('./commands/leaderboard.ts')).leaderboardCommand(),
  },
  {
    name: 'regrade',
    term: 'regrade [options] <course> <assignment>',
    summary: 'Regrade every student\'s counting submission (or some students\' and parts) with the published grader, a version or the draft; --dry-run previews the changes first',
    load: async () => (await import('./commands/regrade.ts')).regradeCommand(),
  },
  {
    name: 'regrades',
    term: 'regrades',
    summary: 'Follow, preview, apply, discard or cancel regrades (started with gradebox regrade)',
    load: async () => (await import('./commands/regrade.ts')).regradesCommand(),
  },
];
