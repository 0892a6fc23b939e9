import { Directory, File, Paths } from 'expo-file-system';
import type { PickedVideo, VideoVault } from './video-vault.types';

/** Native: copies under the app's documents (never purged by the OS), read back in ranges with a FileHandle. */
export function createVideoVault(): VideoVault {
  const folder = () => {
    const dir = new Directory(Paths.document, 'outbox');
    if (!dir.exists) dir.create({ intermediates: true });
    return dir;
  };
  const fileOf = (sessionId: string) => new File(folder(), `${sessionId}.video`);
  return {
    async keep(sessionId: string, video: PickedVideo) {
      const target = fileOf(sessionId);
      if (target.exists) target.delete();
      new File(video.uri).copy(target);
      return target.size;
    },
    async read(sessionId, start, end) {
      const handle = fileOf(sessionId).open();
      try {
        handle.offset = start;
        return handle.readBytes(end - start);
      } finally {
        handle.close();
      }
    },
    async remove(sessionId) {
      const file = fileOf(sessionId);
      if (file.exists) file.delete();
    },
  };
}
