import type { ErrorResponse } from '@rosin/contracts/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from './app-error';

function body(error: ErrorResponse['error']): ErrorResponse {
  return { error };
}

/** Fastify's own client errors, mapped onto our codes. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  const status = error.statusCode ?? 500;
  if (status === 413) return new AppError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (status === 415) return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  if (status === 429) return new AppError(429, 'RATE_LIMITED', 'Too many requests; retry later');
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError(400, 'INVALID_JSON', 'The request body is empty but declared as JSON');
  }
  if (status >= 400 && status < 500) {
    return new AppError(status, status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', error.message);
  }
  return undefined;
}

/** One error shape everywhere: `{"error":{"code","message","details"?}}`; never a stack trace. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext ?? 'request';
      const details = error.validation.map((issue) => ({
        path: [context, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: issue.message ?? 'is invalid',
      }));
      return reply
        .code(400)
        .send(body({ code: 'VALIDATION_FAILED', message: 'The request is invalid', details }));
    }
    const appError = error instanceof AppError ? error : fromFastifyError(error);
    if (appError) {
      if (appError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      return reply
        .code(appError.statusCode)
        .send(body({ code: appError.code, message: appError.message, details: appError.details }));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .send(body({ code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' }));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(
        body({ code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
      );
  });
}
