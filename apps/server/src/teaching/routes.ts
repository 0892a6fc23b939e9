import { ErrorResponse } from '@rosin/contracts/errors';
import {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  Invitation,
  LinkedStudentList,
  PersonSummary,
  TeacherList,
} from '@rosin/contracts/teaching';
import { principalOf } from '../http/authenticate';
import type { ZodApp } from '../http/zod-app';
import type { TeachingService } from './service';

export function registerTeachingRoutes(
  app: ZodApp,
  teaching: TeachingService,
  options: { rateLimitPerMinute: number },
): void {
  const security = [{ bearerAuth: [] }];
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

  app.post('/invitations', {
    schema: {
      tags: ['teaching'],
      summary: 'Create an invitation code a student can join with (teacher)',
      security,
      body: CreateInvitationRequest,
      response: { 201: Invitation, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await teaching.createInvitation(principalOf(request), request.body)),
  });

  app.post('/invitations/accept', {
    // Codes are guessable only by brute force; the rate limit keeps that impractical.
    config: { rateLimit: { max: options.rateLimitPerMinute, timeWindow: '1 minute' } },
    schema: {
      tags: ['teaching'],
      summary: 'Join a teacher with an invitation code (student)',
      security,
      body: AcceptInvitationRequest,
      response: { 200: PersonSummary, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, ...errors },
    },
    handler: (request) => teaching.acceptInvitation(principalOf(request), request.body.code),
  });

  app.get('/students', {
    schema: {
      tags: ['teaching'],
      summary: 'Linked students with their 7-day practice heat-map (teacher)',
      security,
      response: { 200: LinkedStudentList, ...errors },
    },
    handler: async (request) => ({ students: await teaching.listStudents(principalOf(request)) }),
  });

  app.get('/teachers', {
    schema: {
      tags: ['teaching'],
      summary: 'The teachers the student is linked to (student)',
      security,
      response: { 200: TeacherList, ...errors },
    },
    handler: async (request) => ({ teachers: await teaching.listTeachers(principalOf(request)) }),
  });
}
