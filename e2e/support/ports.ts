// Kept for the tests that import it from here; the helper lives with the other test helpers.
export { freePort } from '@honnin/runtime/testing';
