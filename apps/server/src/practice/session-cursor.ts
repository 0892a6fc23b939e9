import { z } from 'zod';
import { AppError } from '../http/app-error';

const Cursor = z.tuple([z.iso.datetime(), z.uuid()]);

/** Keyset pagination over (start_ts desc, id desc): stable under inserts, no OFFSET scans. */
export function encodeSessionCursor(startTs: Date, id: string): string {
  return Buffer.from(JSON.stringify([startTs.toISOString(), id])).toString('base64url');
}

export function decodeSessionCursor(cursor: string): { startTs: Date; id: string } {
  try {
    const [startTs, id] = Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { startTs: new Date(startTs), id };
  } catch {
    throw new AppError(400, 'VALIDATION_FAILED', 'The cursor is invalid', [
      { path: 'querystring.cursor', message: 'is not a cursor this server issued' },
    ]);
  }
}
