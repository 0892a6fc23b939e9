import { ErrorResponse } from '@rosin/contracts/errors';
import {
  CreateSessionRequest,
  PracticeSession,
  PracticeSessionDetail,
  SessionIdParams,
  SessionList,
  SessionListQuery,
  UpdateSessionRequest,
} from '@rosin/contracts/sessions';
import { z } from 'zod';
import { principalOf } from '../http/authenticate';
import type { ZodApp } from '../http/zod-app';
import type { PracticeSessionService } from './service';

const CreateSessionResponse = z.object({ session: PracticeSession, upload: z.null() });

export function registerPracticeRoutes(app: ZodApp, practice: PracticeSessionService): void {
  const security = [{ bearerAuth: [] }];
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  app.post('/sessions', {
    schema: {
      tags: ['practice'],
      summary: 'Log a practice session (student); replaying the same id answers 200 with the stored session',
      security,
      body: CreateSessionRequest,
      response: { 200: CreateSessionResponse, 201: CreateSessionResponse, 409: ErrorResponse, ...errors },
    },
    handler: async (request, reply) => {
      const result = await practice.create(principalOf(request), request.body);
      return reply.code(result.created ? 201 : 200).send({ session: result.session, upload: null });
    },
  });

  app.get('/sessions', {
    schema: {
      tags: ['practice'],
      summary: "List own sessions (student) or a linked student's (teacher, with studentId), newest first",
      security,
      querystring: SessionListQuery,
      response: { 200: SessionList, ...errors },
    },
    handler: (request) => practice.list(principalOf(request), request.query),
  });

  app.get('/sessions/:id', {
    schema: {
      tags: ['practice'],
      summary: 'A session with its status, metrics, chart series and video (owner or linked teacher)',
      security,
      params: SessionIdParams,
      response: { 200: PracticeSessionDetail, ...errors },
    },
    handler: (request) => practice.get(principalOf(request), request.params.id),
  });

  app.patch('/sessions/:id', {
    schema: {
      tags: ['practice'],
      summary: 'Change a session (owner)',
      security,
      params: SessionIdParams,
      body: UpdateSessionRequest,
      response: { 200: PracticeSession, ...errors },
    },
    handler: (request) => practice.update(principalOf(request), request.params.id, request.body),
  });

  app.delete('/sessions/:id', {
    schema: {
      tags: ['practice'],
      summary: 'Delete a session (owner; soft delete, media purged later)',
      security,
      params: SessionIdParams,
      response: { 204: z.undefined(), ...errors },
    },
    handler: async (request, reply) => {
      await practice.delete(principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  });
}
