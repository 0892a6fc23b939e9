import { z } from 'zod';
import { AppError } from '../http/app-error';
import type { ZodApp } from '../http/zod-app';
import type { VideoPlayback } from './playback';

/**
 * `GET /media/videos/{id}/playlist.m3u8?token=…`: the HLS playlist with presigned segment URLs. Public: the
 * token is the credential (minted by GET /sessions/{id} for people who may see the session). Hidden from the
 * OpenAPI document like the storage routes: clients follow the URL, they never build it.
 */
export function registerMediaRoutes(app: ZodApp, playback: VideoPlayback): void {
  app.get('/media/videos/:id/playlist.m3u8', {
    config: { public: true },
    exposeHeadRoute: false,
    schema: {
      hide: true,
      params: z.object({ id: z.uuid() }),
      querystring: z.object({ token: z.string().max(2000).default('') }),
    },
    handler: async (request, reply) => {
      const result = await playback.signedPlaylist(request.params.id, request.query.token);
      if (!result.ok) {
        throw result.reason === 'expired'
          ? new AppError(403, 'LINK_EXPIRED', 'This link has expired; open the session again')
          : new AppError(403, 'FORBIDDEN', 'This link is invalid');
      }
      return reply
        .code(200)
        .header('content-type', 'application/vnd.apple.mpegurl')
        .header('cache-control', 'private, no-store')
        .send(result.playlist);
    },
  });
}
