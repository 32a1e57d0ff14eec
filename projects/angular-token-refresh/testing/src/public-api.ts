/* angular-token-refresh/testing: helpers for an app's own specs. This file is the whole public API of the entry point. */
export { provideAuthTesting } from './provide-auth-testing';
export { MemoryStorage } from './memory-storage';
export { FakeLockManager } from './fake-lock-manager';
export { SiblingTab } from './sibling-tab';
export { flushStorage } from './flush-storage';
