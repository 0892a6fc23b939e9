import {
  AddRoleRequest,
  AuthResponse,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  SetActiveRoleRequest,
  User,
} from '@rosin/contracts/auth';
import { ErrorResponse } from '@rosin/contracts/errors';
import { z } from 'zod';
import { principalOf } from '../http/authenticate';
import type { ZodApp } from '../http/zod-app';
import type { AuthService } from './service';

export interface AuthRouteOptions {
  rateLimitPerMinute: number;
}

export function registerAuthRoutes(app: ZodApp, auth: AuthService, options: AuthRouteOptions): void {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };
  const publicAuth = { public: true, rateLimit };
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse };

  app.post('/auth/register', {
    config: publicAuth,
    schema: {
      tags: ['auth'],
      summary: 'Create an account as a student or a teacher',
      body: RegisterRequest,
      response: { 201: AuthResponse, 409: ErrorResponse, ...errors },
    },
    handler: async (request, reply) => reply.code(201).send(await auth.register(request.body)),
  });

  app.post('/auth/login', {
    config: publicAuth,
    schema: {
      tags: ['auth'],
      summary: 'Sign in',
      body: LoginRequest,
      response: { 200: AuthResponse, ...errors },
    },
    handler: (request) => auth.login(request.body),
  });

  app.post('/auth/refresh', {
    config: publicAuth,
    schema: {
      tags: ['auth'],
      summary: 'Exchange a refresh token for a new pair (the old one is spent)',
      body: RefreshRequest,
      response: { 200: AuthResponse, ...errors },
    },
    handler: (request) => auth.refresh(request.body.refreshToken),
  });

  app.post('/auth/logout', {
    config: publicAuth,
    schema: {
      tags: ['auth'],
      summary: 'Revoke a refresh token and every token rotated from the same sign-in',
      body: LogoutRequest,
      response: { 204: z.undefined(), ...errors },
    },
    handler: async (request, reply) => {
      await auth.logout(request.body.refreshToken);
      return reply.code(204).send();
    },
  });

  app.get('/me', {
    schema: {
      tags: ['auth'],
      summary: 'The signed-in user',
      security: [{ bearerAuth: [] }],
      response: { 200: User, 401: ErrorResponse },
    },
    handler: (request) => auth.me(principalOf(request).userId),
  });

  app.post('/me/active-role', {
    schema: {
      tags: ['auth'],
      summary: 'Switch the role that the next tokens carry',
      security: [{ bearerAuth: [] }],
      body: SetActiveRoleRequest,
      response: { 200: AuthResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
    },
    handler: (request) => auth.setActiveRole(principalOf(request), request.body.role),
  });

  app.post('/me/roles', {
    schema: {
      tags: ['auth'],
      summary: 'Take on a second role (a student who also teaches, or the reverse)',
      security: [{ bearerAuth: [] }],
      body: AddRoleRequest,
      response: { 200: User, 400: ErrorResponse, 401: ErrorResponse },
    },
    handler: (request) => auth.addRole(principalOf(request), request.body.role),
  });
}
