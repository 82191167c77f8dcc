import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { BlobStore } from '../image/blob-store.ts';
import type { ImageStore } from '../image/image-store.ts';
import type { SubmissionIntakeLimits } from '../intake/intake-limits.ts';
import type { Platform } from '../platform/platform.ts';
import type { SubmissionEvents } from '../platform/submission-events.ts';
import { accountRoutes } from './api/accounts.ts';
import { courseRoutes } from './api/courses.ts';
import { goldenRoutes } from './api/golden.ts';
import { gradeRoutes } from './api/grades.ts';
import { gradebookRoutes } from './api/gradebook.ts';
import { graderRoutes } from './api/graders.ts';
import { lateRuleRoutes } from './api/late-rules.ts';
import { leaderboardRoutes } from './api/leaderboard.ts';
import { releaseRoutes } from './api/release.ts';
import { regradeRoutes } from './api/regrades.ts';
import { passwordRoutes } from './api/passwords.ts';
import { submissionRoutes } from './api/submissions.ts';
import { autogradeTestRoutes } from './api/autograde-tests.ts';
import { installAuthentication, PUBLIC_ROUTE } from './auth.ts';
import { clientErrorHandler } from './client-errors.ts';
import { installErrorHandling } from './errors.ts';
import { limitRepeatedLines, withLineLimit } from './log-limiter.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { ConnectionGuard } from './traffic/connection-guard.ts';
import { guardedServerFactory } from './traffic/http-server.ts';
import { installArrivalLimits, installUserLimits } from './traffic/request-limits.ts';
import type { TrafficLimits } from './traffic/traffic-limits.ts';
import type { TypedApp } from './typed-app.ts';
import { installWebInterface } from './web/web-app.tsx';
import type { SignInLimits } from './web/sign-in-limiter.ts';
import type { WebOptions } from './web/web-session.ts';

export interface AppDeps {
  platform: Platform;
  events: SubmissionEvents;
  /** Submission files. */
  blobs: BlobStore;
  /** Grader images. */
  images: ImageStore;
  intakeLimits: SubmissionIntakeLimits;
  maxImageBytes: number;
  version: string;
  /** pino options, or false for no request log (tests). Repeated warnings and errors are rate-limited. */
  logger?: FastifyServerOptions['logger'];
  /** Connections, requests and uploads one client may hold, and timeouts. */
  traffic: TrafficLimits;
  /** The web interface (docs/web.md): cookie security (default from GRADEBOX_SECURE_COOKIES) and sign-in limits. */
  web?: { options?: WebOptions; signInLimits?: SignInLimits };
}

/** Largest JSON body (a course file with thousands of members fits easily). */
const JSON_BODY_LIMIT = 1024 * 1024;

/** The HTTP API as a fastify instance, not yet listening (tests use `inject` or `listen`). */
export async function buildApp(deps: AppDeps): Promise<TypedApp> {
  registerAjvFormats();
  const lineLimit = limitRepeatedLines();
  const connections = new ConnectionGuard(deps.traffic);
  const app = Fastify({
    logger: withLineLimit(deps.logger ?? false, lineLimit),
    bodyLimit: JSON_BODY_LIMIT,
    serverFactory: guardedServerFactory(deps.traffic, connections),
    // Answered by installArrivalLimits instead, as JSON with the usual headers and Retry-After.
    return503OnClosing: false,
    clientErrorHandler,
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();
  connections.log = app.log;
  app.addHook('onClose', async () => lineLimit.stop());

  installErrorHandling(app);
  installSecurityHeaders(app);
  installArrivalLimits(app, deps.traffic);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'gradebox', version: deps.version, description: 'Self-hosted autograding: courses, graders, submissions, results.' },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'a gbx_ API token' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(multipart, {
    // Keep `notes/readme.md` as the client named it: the intake validates relative paths itself.
    preservePath: true,
    limits: {
      fileSize: deps.intakeLimits.maxUploadBytes,
      files: deps.intakeLimits.maxFiles,
      fields: 100,
      fieldSize: 4096,
      parts: deps.intakeLimits.maxFiles + 100,
      headerPairs: 100,
    },
  });
  installAuthentication(app, deps.platform);
  installUserLimits(app, deps.traffic);

  app.get('/openapi.json', { config: PUBLIC_ROUTE, schema: { hide: true } }, () => app.swagger());
  app.get('/api/health', { config: PUBLIC_ROUTE, schema: { tags: ['service'], summary: 'Liveness', security: [] } }, () => ({
    ok: true,
    version: deps.version,
  }));
  accountRoutes(app, deps.platform);
  courseRoutes(app, deps.platform);
  lateRuleRoutes(app, deps.platform);
  graderRoutes(app, { platform: deps.platform, images: deps.images, maxImageBytes: deps.maxImageBytes });
  submissionRoutes(app, { platform: deps.platform, events: deps.events, blobs: deps.blobs, intakeLimits: deps.intakeLimits });
  autogradeTestRoutes(app, { platform: deps.platform, blobs: deps.blobs, intakeLimits: deps.intakeLimits });
  gradeRoutes(app, deps.platform);
  leaderboardRoutes(app, deps.platform);
  goldenRoutes(app, deps.platform);
  releaseRoutes(app, deps.platform);
  regradeRoutes(app, deps.platform);
  gradebookRoutes(app, deps.platform);
  passwordRoutes(app, deps.platform);
  // The web interface: pages outside /api/, signed in by session cookie (src/server/web/web-app.tsx).
  await installWebInterface(app, { platform: deps.platform, events: deps.events, blobs: deps.blobs, intakeLimits: deps.intakeLimits, images: deps.images, maxImageBytes: deps.maxImageBytes, ...deps.web });
  await app.ready();
  return app;
}
