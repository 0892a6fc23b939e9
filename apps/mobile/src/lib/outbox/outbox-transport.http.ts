import { CreateSessionResponse } from '@rosin/contracts/sessions';
import { UploadPlan } from '@rosin/contracts/uploads';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import type { OutboxTransport } from './outbox-ports';

/** The outbox's transport over the real API (tokens and refresh via ApiClient). */
export function createHttpOutboxTransport(api: ApiClient): OutboxTransport {
  return {
    createSession: (body) => api.request('POST', '/sessions', { body, schema: CreateSessionResponse }),
    uploadSensors: async (sessionId, sensors) => {
      await api.request('POST', `/sessions/${sessionId}/sensors`, { body: sensors });
    },
    getUpload: (uploadId) => api.request('GET', `/uploads/${uploadId}`, { schema: UploadPlan }),
    putPart: async (part, bytes) => {
      try {
        const response = await api.fetchRaw(part.url, {
          method: part.method,
          headers: part.headers,
          body: bytes as unknown as BodyInit,
        });
        return response.headers.get('etag');
      } catch (error) {
        // S3 answers an expired presigned URL with a bare 403 (XML, not our error shape): a fresh plan fixes it.
        if (error instanceof ApiError && error.status === 403) {
          throw new ApiError(403, 'LINK_EXPIRED', 'The upload link expired; asking for a new one');
        }
        throw error;
      }
    },
    confirmPart: async (uploadId, partNumber, etag) => {
      await api.request('PUT', `/uploads/${uploadId}/parts/${partNumber}`, { body: { etag } });
    },
    completeUpload: async (completeUrl, parts) => {
      await api.request('POST', completeUrl, { body: { parts } });
    },
  };
}
