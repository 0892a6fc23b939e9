import { randomInt } from 'node:crypto';

// No 0/O, 1/I/L: codes are read aloud in lessons and typed on phones.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A code like `K7QD-M2XP`: 31^8 ≈ 8.5·10^11 possibilities, and accepting one is rate limited. */
export function newInvitationCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function normaliseInvitationCode(input: string): string {
  const compact = input.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}
