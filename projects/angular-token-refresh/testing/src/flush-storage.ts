/** Lets pending token-storage reads and writes finish, as they would between two events in a real tab; works under `jasmine.clock()`. */
export async function flushStorage(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await Promise.resolve();
  }
}
