import type { PickedVideo, VideoVault } from './video-vault.types';

const DB_NAME = 'rosin-media';
const STORE = 'videos';

/** Web: the chosen File (or recorded Blob) goes to IndexedDB, so a reload does not lose a queued upload. */
export function createVideoVault(): VideoVault {
  let opened: Promise<IDBDatabase> | null = null;
  const db = () =>
    (opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
    }));
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>) => {
    const store = (await db()).transaction(STORE, mode).objectStore(STORE);
    return new Promise<T>((resolve, reject) => {
      const request = work(store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  };
  return {
    async keep(sessionId: string, video: PickedVideo) {
      const blob = video.file ?? (await (await fetch(video.uri)).blob());
      await run('readwrite', (store) => store.put(blob, sessionId));
      return blob.size;
    },
    async read(sessionId, start, end) {
      const blob = await run<Blob | undefined>('readonly', (store) => store.get(sessionId));
      if (!blob) throw new Error('The saved video is gone from this browser');
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    async remove(sessionId) {
      await run('readwrite', (store) => store.delete(sessionId));
    },
  };
}
