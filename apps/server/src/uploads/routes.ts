import { ErrorResponse } from '@rosin/contracts/errors';
import {
  CompleteUploadRequest,
  ConfirmedPart,
  ConfirmPartRequest,
  UploadIdParams,
  UploadPartParams,
  UploadPlan,
} from '@rosin/contracts/uploads';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../http/app-error';
import { principalOf } from '../http/authenticate';
import type { ZodApp } from '../http/zod-app';
import type { UploadService } from './service';

/** S3 / MinIO event notification, as far as we read it (everything else passes through unread). */
const StorageEventNotification = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        eventName: z.string().max(200),
        s3: z.looseObject({ object: z.looseObject({ key: z.string().min(1).max(1024) }) }),
      }),
    )
    .max(1000),
});

export function registerUploadRoutes(
  app: ZodApp,
  uploads: UploadService,
  options: { webhookSecret?: string },
): void {
  const security = [{ bearerAuth: [] }];
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  app.get('/uploads/:id', {
    schema: {
      tags: ['uploads'],
      summary: 'An upload: the parts the server has confirmed and fresh URLs for the missing ones (owner)',
      security,
      params: UploadIdParams,
      response: { 200: UploadPlan, ...errors },
    },
    handler: (request) => uploads.getPlan(principalOf(request), request.params.id),
  });

  app.put('/uploads/:id/parts/:partNumber', {
    schema: {
      tags: ['uploads'],
      summary: 'Confirm a part the store accepted, with the ETag it answered (owner)',
      security,
      params: UploadPartParams,
      body: ConfirmPartRequest,
      response: { 200: ConfirmedPart, ...errors },
    },
    handler: (request) =>
      uploads.confirmPart(
        principalOf(request),
        request.params.id,
        request.params.partNumber,
        request.body.etag,
      ),
  });

  app.post('/uploads/:id/complete', {
    schema: {
      tags: ['uploads'],
      summary:
        'Assemble the uploaded parts into the video and start processing (owner). 409 UPLOAD_INCOMPLETE or ' +
        '400 CHECKSUM_MISMATCH name the parts to send again; the upload stays resumable',
      security,
      params: UploadIdParams,
      body: CompleteUploadRequest,
      response: { 200: UploadPlan, 409: ErrorResponse, ...errors },
    },
    handler: (request) => uploads.complete(principalOf(request), request.params.id, request.body),
  });

  app.post('/webhooks/storage', {
    config: { public: true },
    schema: {
      tags: ['uploads'],
      summary:
        'S3 event notifications (ObjectCreated) from the store, authenticated by the shared secret ' +
        '(Authorization: Bearer STORAGE_WEBHOOK_SECRET); records uploads completed at the store',
      body: StorageEventNotification,
      response: { 200: z.object({ recorded: z.number().int() }), ...errors },
    },
    handler: async (request) => {
      // Without a configured secret the webhook does not exist.
      if (!options.webhookSecret) throw notFound('Route');
      if (!secretMatches(request.headers.authorization, options.webhookSecret)) {
        throw new AppError(401, 'UNAUTHENTICATED', 'The webhook secret is missing or wrong');
      }
      const recorded = await uploads.handleStorageEvents(
        request.body.Records.map((record) => ({
          eventName: record.eventName,
          objectKey: decodeS3EventKey(record.s3.object.key),
        })),
      );
      return { recorded };
    },
  });
}

function secretMatches(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer /, '') ?? '', 'utf8');
  const expected = Buffer.from(secret, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** S3 URL-encodes keys in notifications (spaces as "+"); a key that does not decode matches no upload. */
function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}
