import type { FastifyError, FastifyInstance } from 'fastify';
import { PlatformError } from '../platform/errors.ts';

/** The JSON body of every error answer (docs/api.md "Errors"). */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

// Fastify's and @fastify/multipart's own client errors, by code, with what to tell the caller.
const CLIENT_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'too-large', message: 'the request body is larger than this route accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported-media-type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid-input' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid-input', message: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid-input' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported-media-type', message: 'send the files as multipart/form-data' },
  FST_FILES_LIMIT: { status: 413, code: 'too-large', message: 'too many files in one submission' },
  FST_PARTS_LIMIT: { status: 413, code: 'too-large', message: 'too many form fields and files in one request' },
  FST_FIELDS_LIMIT: { status: 413, code: 'too-large', message: 'too many form fields in one request' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'too-large', message: 'a file is larger than this server accepts' },
  FST_PROTO_VIOLATION: { status: 400, code: 'invalid-input', message: 'a form field name is not allowed' },
};

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * Maps everything a route can throw to a status and an ErrorBody: platform errors keep their
 * status and code; validation and parsing errors are 4xx; anything else is a 500 whose details
 * go to the log only (they may hold paths or SQL).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | PlatformError | Error, request, reply) => {
    // The client left, or a stalled body was cut: nobody is there to answer, nothing to report.
    if (request.raw.socket?.destroyed === true) {
      request.log.debug({ err: error }, 'request ended with its connection');
      return reply.status(400).send(errorBody('connection-closed', 'the connection closed before the request was complete'));
    }
    if (error instanceof PlatformError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(error.status).send(errorBody(error.code, error.message, error.details));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const where = fastifyError.validationContext ?? 'request';
      return reply.status(400).send(errorBody('invalid-input', `invalid ${where}: ${fastifyError.message}`));
    }
    const known = fastifyError.code === undefined ? undefined : CLIENT_ERRORS[fastifyError.code];
    if (known) return reply.status(known.status).send(errorBody(known.code, known.message ?? fastifyError.message));
    if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
      return reply.status(400).send(errorBody('invalid-input', `the body is not valid JSON: ${error.message}`));
    }
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send(errorBody('invalid-input', fastifyError.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send(errorBody('internal', `the server failed to handle this request (request id ${request.id}); its log has the details`));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('not-found', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`));
  });
}
