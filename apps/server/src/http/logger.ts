import pino, { type DestinationStream, type Level, type Logger } from 'pino';

/** Never log credentials, tokens or PII, wherever they appear in a logged object. */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-storage-webhook-secret"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.email',
  '*.phone',
];

interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
}

/**
 * The process logger. Requests are logged by path only: query strings can carry signed-URL tokens and search
 * terms, which belong in no log.
 */
export function createLogger(level: Level | 'silent', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: {
        req: (request: LoggedRequest) => ({
          method: request.method,
          path: request.url.split('?')[0],
          userAgent: request.headers['user-agent'],
          remoteAddress: request.socket?.remoteAddress,
        }),
      },
    },
    destination,
  );
}
