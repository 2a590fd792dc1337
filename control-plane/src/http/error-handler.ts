/**
 * The one place errors become responses: { error: { code, message, details? } }. Bad input is
 * always 4xx with a stable code; a 5xx says nothing about internals (the log has them).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type FieldIssue } from '../errors.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

function fieldIssues(validation: ValidationIssue[], context: string | undefined): FieldIssue[] {
  return validation
    .filter((v) => v.keyword !== 'anyOf' && v.keyword !== 'boolean')
    .slice(0, 20)
    .map((v) => {
      let field = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const extra = v.params?.additionalProperties ?? v.params?.requiredProperties;
      if (Array.isArray(extra) && extra.length > 0) field = [field, String(extra[0])].filter(Boolean).join('.');
      return { field: field || context || '(root)', message: v.message ?? 'is invalid' };
    });
}

/**
 * `notFoundFallback` gets unmatched requests first (the admin UI's deep links) and answers
 * true when it sent a response.
 */
export function installErrorHandler(
  app: FastifyInstance,
  notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  app.setNotFoundHandler((request, reply) => {
    if (notFoundFallback?.(request, reply)) return;
    void reply.status(404).send({
      error: { code: 'CUTLINE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` },
    });
  });

  app.setErrorHandler(
    (error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }, request, reply) => {
      if (error instanceof ApiError) {
        return reply.status(error.statusCode).send({
          error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
        });
      }
      if (error.validation) {
        const details = fieldIssues(error.validation, error.validationContext);
        const first = details[0];
        return reply.status(400).send({
          error: {
            code: 'CUTLINE_VALIDATION_FAILED',
            message: first
              ? `Invalid ${error.validationContext ?? 'request'}: ${first.field} ${first.message}`
              : 'Invalid request.',
            details,
          },
        });
      }
      switch (error.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return reply
            .status(400)
            .send({ error: { code: 'CUTLINE_MALFORMED_JSON', message: 'The request body is not valid JSON.' } });
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return reply
            .status(413)
            .send({ error: { code: 'CUTLINE_BODY_TOO_LARGE', message: 'The request body is too large.' } });
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
          return reply
            .status(415)
            .send({ error: { code: 'CUTLINE_UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type.' } });
        default:
          break;
      }
      if (error.statusCode === 429) {
        return reply
          .status(429)
          .send({ error: { code: 'CUTLINE_RATE_LIMITED', message: 'Too many requests; try again shortly.' } });
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        // Fastify's own client errors (bad headers, and the like): keep the status, hide the text.
        return reply
          .status(error.statusCode)
          .send({ error: { code: 'CUTLINE_VALIDATION_FAILED', message: 'The request could not be processed.' } });
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send({
        error: { code: 'CUTLINE_INTERNAL', message: 'Something went wrong on our side. It has been logged.' },
      });
    },
  );
}
