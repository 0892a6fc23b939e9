import { VIDEO_CONTENT_TYPES, type SensorFile } from '@rosin/contracts/sessions';
import type { PickedVideo } from '../../lib/media/video-vault.types';
import type { SessionDraft } from '../../lib/outbox/outbox-item';
import type { AppThunk } from '../store';
import { itemChanged } from '../outbox-slice';

export interface SaveSessionInput {
  draft: SessionDraft;
  video: PickedVideo | null;
  sensors: SensorFile | null;
}

/**
 * Save: the video is copied into the outbox's keeping and the session is written to SQLite with a new id at
 * once, online or not; the outbox sends it (see lib/outbox/outbox.ts). Answers the session's id.
 */
export const saveSession =
  (input: SaveSessionInput): AppThunk<Promise<string>> =>
  async (dispatch, getState, services) => {
    const user = getState().session.user;
    if (!user) throw new Error('Sign in to save a session');
    const id = services.uuid();
    let video = null;
    if (input.video) {
      const sizeBytes = await services.videos.keep(id, input.video);
      video = {
        filename: input.video.filename.slice(0, 255) || 'practice.mp4',
        contentType: videoContentType(input.video),
        sizeBytes,
      };
    }
    const item = await services.outbox.enqueue({
      id,
      ownerId: user.id,
      draft: input.draft,
      video,
      sensors: input.sensors && input.sensors.gyroscope.length > 0 ? input.sensors : null,
    });
    dispatch(itemChanged(item));
    services.kickOutbox();
    return id;
  };

export const retryUpload =
  (id: string): AppThunk =>
  async (_dispatch, _getState, services) => {
    await services.outbox.retry(id);
    services.kickOutbox();
  };

const BY_EXTENSION: Record<string, (typeof VIDEO_CONTENT_TYPES)[number]> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  qt: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
};

/** One of the content types the server accepts, from the picker's MIME type or the file name. */
export function videoContentType(video: Pick<PickedVideo, 'contentType' | 'filename'>) {
  const declared = video.contentType.split(';')[0]!.trim().toLowerCase();
  if ((VIDEO_CONTENT_TYPES as readonly string[]).includes(declared)) {
    return declared as (typeof VIDEO_CONTENT_TYPES)[number];
  }
  const extension = video.filename.split('.').pop()?.toLowerCase() ?? '';
  return BY_EXTENSION[extension] ?? 'video/mp4';
}
