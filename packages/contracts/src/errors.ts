import { z } from 'zod';

/** Machine-readable error codes. Clients switch on these, never on messages. */
export const errorCodes = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'FORBIDDEN',
  'ROLE_NOT_HELD',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'CONFLICT',
  'INVITATION_INVALID',
  'ALREADY_LINKED',
  'PAYLOAD_TOO_LARGE',
  'QUOTA_EXCEEDED',
  'UPLOAD_INCOMPLETE',
  'CHECKSUM_MISMATCH',
  'LINK_EXPIRED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorDetail = z.object({
  path: z.string().describe('Dotted path of the offending field, e.g. "body.email"'),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The one error shape every endpoint answers with. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.array(ErrorDetail).optional(),
    }),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;
