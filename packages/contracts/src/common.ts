import { z } from 'zod';

export const Uuid = z.uuid();
export const IsoDateTime = z.iso.datetime({ offset: true });

export const Role = z.enum(['student', 'teacher', 'admin']);
export type Role = z.infer<typeof Role>;

/** Roles a person can give themselves; `admin` is only ever granted by another admin. */
export const SelfServiceRole = z.enum(['student', 'teacher']);
export type SelfServiceRole = z.infer<typeof SelfServiceRole>;

export const CursorPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
