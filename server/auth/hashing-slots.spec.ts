import { HashingSlots } from './hashing-slots';

/** Work that runs until the spec lets it finish, and records that it started. */
function heldWork(started: string[], name: string): { work: () => Promise<string>; finish: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

describe('HashingSlots', () => {
  describe('when more checks arrive than there are slots', () => {
    it('runs `concurrency` at once and starts the next as one finishes, in arrival order', async () => {
      const slots = new HashingSlots(1, 5);
      const started: string[] = [];
      const [a, b, c] = ['a', 'b', 'c'].map((name) => heldWork(started, name));

      const results = [slots.run(a.work), slots.run(b.work), slots.run(c.work)];
      await Promise.resolve();
      const first = [...started];
      a.finish();
      await results[0];
      await Promise.resolve();
      b.finish();
      c.finish();

      expect(first).toEqual(['a']);
      expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
      expect(started).toEqual(['a', 'b', 'c']);
    });

    it('refuses checks past the queue at once with 503 and Retry-After, without running them', async () => {
      const slots = new HashingSlots(1, 1);
      const started: string[] = [];
      const [a, b, c] = ['a', 'b', 'c'].map((name) => heldWork(started, name));

      const running = slots.run(a.work);
      const queued = slots.run(b.work);
      const refused = await slots.run(c.work).catch((error: unknown) => error);
      a.finish();
      b.finish();
      await Promise.all([running, queued]);

      expect(refused).toEqual(jasmine.objectContaining({ status: 503, code: 'temporarily_unavailable', headers: { 'Retry-After': '1' } }));
      expect(started).toEqual(['a', 'b']);
    });
  });

  describe('when the caller of a waiting check goes away', () => {
    it('never runs it, and gives its place to the next', async () => {
      const slots = new HashingSlots(1, 5);
      const started: string[] = [];
      const [a, b, c] = ['a', 'b', 'c'].map((name) => heldWork(started, name));
      const gone = new AbortController();

      const running = slots.run(a.work);
      const abandoned = slots.run(b.work, gone.signal).catch(() => 'aborted');
      const next = slots.run(c.work);
      gone.abort();
      a.finish();
      c.finish();

      expect(await Promise.all([running, abandoned, next])).toEqual(['a', 'aborted', 'c']);
      expect(started).toEqual(['a', 'c']);
    });
  });
});
