import type { Page } from 'playwright-core';

/**
 * The phone's Face ID / Touch ID for a Chromium page: a CDP virtual platform
 * authenticator with user verification, answering WebAuthn automatically.
 */
export async function addPlatformAuthenticator(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}
