import { hkdfSync } from 'node:crypto';
import type { SessionVideo } from '@rosin/contracts/sessions';
import { z } from 'zod';
import type { Secrets } from '../crypto/keys';
import { SignedTokenCodec } from '../crypto/signed-token';
import { objectFolderOf, type ObjectStorage } from '../storage/object-storage';

export interface PlayableVideo {
  id: string;
  hls_key: string | null;
  thumbnail_key: string | null;
  duration_s: number | null;
}

const PlaylistClaims = z.object({ v: z.uuid(), k: z.string(), exp: z.number().int() });
type PlaylistClaims = z.infer<typeof PlaylistClaims>;

const MAC_CONTEXT = 'rosin/hls-playlist-url/v1\n';
const MAX_PLAYLIST_BYTES = 1024 * 1024;

/**
 * Signed, expiring playback URLs. An HLS playlist names its segments by relative path, and with nothing public
 * each segment needs its own presigned URL, so the playlist URL points at this server
 * (`GET /media/videos/{id}/playlist.m3u8?token=…`), which answers the stored playlist with every segment
 * replaced by a presigned GET. The token (HMAC, key derived from the JWT secret) names the video and its
 * playlist key and expires with the other URLs.
 */
export class VideoPlayback {
  private readonly tokens: SignedTokenCodec<PlaylistClaims>;

  constructor(
    private readonly storage: ObjectStorage,
    secrets: Secrets,
    private readonly options: { publicUrl: () => string; ttlSeconds: number; now?: () => number },
  ) {
    const key = Buffer.from(hkdfSync('sha256', secrets.jwtSecret, 'rosin', 'hls-playlist-url/v1', 32));
    this.tokens = new SignedTokenCodec(key, MAC_CONTEXT, PlaylistClaims);
  }

  /** What GET /sessions/{id} shows of a video: URLs only once the rendition exists. */
  async urlsFor(video: PlayableVideo): Promise<SessionVideo> {
    const exp = Math.floor(this.nowMs() / 1000) + this.options.ttlSeconds;
    return {
      hlsUrl: video.hls_key
        ? `${this.options.publicUrl()}/media/videos/${video.id}/playlist.m3u8?token=${this.tokens.sign({ v: video.id, k: video.hls_key, exp })}`
        : null,
      thumbnailUrl: video.thumbnail_key
        ? await this.storage.presignGet(video.thumbnail_key, {
            expiresInSeconds: this.options.ttlSeconds,
            contentType: 'image/jpeg',
          })
        : null,
      durationS: video.duration_s,
    };
  }

  /** The playlist with presigned segment URLs, or why the token is refused. */
  async signedPlaylist(
    videoId: string,
    token: string,
  ): Promise<{ ok: true; playlist: string } | { ok: false; reason: 'invalid' | 'expired' }> {
    const verified = this.tokens.verify(token, Math.floor(this.nowMs() / 1000));
    if (!verified.ok) return verified;
    if (verified.claims.v !== videoId) return { ok: false, reason: 'invalid' };
    const folder = objectFolderOf(verified.claims.k);
    const stored = (await this.storage.readSmallObject(verified.claims.k, MAX_PLAYLIST_BYTES)).toString(
      'utf8',
    );
    const remaining = Math.max(60, verified.claims.exp - Math.floor(this.nowMs() / 1000));
    const lines = await Promise.all(
      stored.split('\n').map(async (line) => {
        const uri = line.trim();
        // Tags and blank lines stay; every other line is a segment path relative to the playlist.
        if (uri === '' || uri.startsWith('#')) return line;
        return this.storage.presignGet(`${folder}${uri}`, {
          expiresInSeconds: remaining,
          contentType: 'video/mp2t',
        });
      }),
    );
    return { ok: true, playlist: lines.join('\n') };
  }

  private nowMs(): number {
    return this.options.now?.() ?? Date.now();
  }
}
