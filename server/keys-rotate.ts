// `npm run keys:rotate`: adds an ES256 signing key. It is published in the JWKS at once, and every instance starts
// signing with it KEY_RELOAD_SECONDS later; the old public keys stay published until every token they signed expired.
import { SigningKeys } from './auth/signing-keys';
import { loadConfig } from './config';
import { openStore } from './store/open-store';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openStore(config);
  try {
    const keys = await SigningKeys.load(store, Date.now, config);
    const kid = await keys.rotate();
    console.log(`New signing key ${kid} in the ${store.kind} database; the others retire once their tokens expire.`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(`Key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
