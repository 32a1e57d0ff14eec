import { randomUUID } from 'node:crypto';

import type { PasswordHasher } from './password-hasher';
import type { UserStore } from './user-store';

/** Creates the user with this name and password unless a user with that name exists; returns whether it created one. */
export async function seedUser(
  users: UserStore,
  passwords: PasswordHasher,
  credentials: { userName: string; password: string },
  now: number,
): Promise<boolean> {
  if (users.findByName(credentials.userName)) return false;
  const passwordHash = await passwords.hash(credentials.password);
  return users.insertIfMissing({ id: randomUUID(), name: credentials.userName, passwordHash }, now);
}
