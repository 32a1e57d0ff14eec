import { randomUUID } from 'node:crypto';

import type { AuthStore } from '../store/auth-store';
import type { PasswordHasher } from './password-hasher';

/** Creates the user with this name and password unless a user with that name exists; returns whether it created one. */
export async function seedUser(
  store: AuthStore,
  passwords: PasswordHasher,
  credentials: { userName: string; password: string },
  now: number,
): Promise<boolean> {
  if (await store.findUserByName(credentials.userName)) return false;
  const passwordHash = await passwords.hash(credentials.password);
  return store.insertUserIfMissing({ id: randomUUID(), name: credentials.userName, passwordHash }, now);
}
