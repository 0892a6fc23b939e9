import { ErrorResponse } from '@rosin/contracts/errors';
import {
  CreateSessionRequest,
  CreateSessionResponse,
  MAX_SENSOR_FILE_BYTES,
  SensorFile,
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

export function registerPracticeRoutes(app: ZodApp, practice: PracticeSessionService): void {
  const security = [{ bearerAuth: [] }];
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  app.post('/sessions', {
    schema: {
      tags: ['practice'],
      summary:
        'Log a practice session (student), with the resumable upload plan of its video; replaying the same id ' +
        'answers 200 with the stored session and fresh URLs for the parts still missing',
      security,
      body: CreateSessionRequest,
      response: {
        200: CreateSessionResponse,
        201: CreateSessionResponse,
        409: ErrorResponse,
        413: ErrorResponse,
        ...errors,
      },
    },
    handler: async (request, reply) => {
      const result = await practice.create(principalOf(request), request.body);
      return reply.code(result.created ? 201 : 200).send({ session: result.session, upload: result.upload });
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

  app.post('/sessions/:id/sensors', {
    bodyLimit: MAX_SENSOR_FILE_BYTES,
    schema: {
      tags: ['practice'],
      summary:
        'Attach the gyroscope file recorded with the video (owner; at most 8 MiB). Send it before completing ' +
        'the upload; sent later, the video is analysed again with it',
      security,
      params: SessionIdParams,
      body: SensorFile,
      response: { 200: PracticeSession, 413: ErrorResponse, ...errors },
    },
    handler: (request) => practice.attachSensors(principalOf(request), request.params.id, request.body),
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
