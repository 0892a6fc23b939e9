import type { OutboxMedia } from '../outbox/outbox-ports';

/** A video the person recorded or chose: a URI everywhere, plus the File on web. */
export interface PickedVideo {
  uri: string;
  file?: Blob;
  filename: string;
  contentType: string;
  sizeBytes?: number;
  durationS?: number | null;
}

/** The outbox's private copies of saved videos (survive restarts until the upload completes). */
export interface VideoVault extends OutboxMedia {
  /** Copies the video in; answers its size in bytes. */
  keep(sessionId: string, video: PickedVideo): Promise<number>;
}
