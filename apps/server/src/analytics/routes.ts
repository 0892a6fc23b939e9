import { Dashboard, DashQuery } from '@rosin/contracts/analytics';
import { ErrorResponse } from '@rosin/contracts/errors';
import { principalOf } from '../http/authenticate';
import type { ZodApp } from '../http/zod-app';
import type { AnalyticsService } from './service';

export function registerAnalyticsRoutes(app: ZodApp, analytics: AnalyticsService): void {
  app.get('/analytics/dash', {
    schema: {
      tags: ['analytics'],
      summary:
        "Practice dashboard: minutes per day, sessions per focus, metric trends with rolling 7-session means, streak (student: own; teacher: a linked student's, with studentId)",
      security: [{ bearerAuth: [] }],
      querystring: DashQuery,
      response: {
        200: Dashboard,
        400: ErrorResponse,
        401: ErrorResponse,
        403: ErrorResponse,
        404: ErrorResponse,
      },
    },
    handler: (request) => analytics.dashboard(principalOf(request), request.query),
  });
}
