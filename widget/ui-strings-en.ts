// The widget's own words in English: data only, one table for both sides. The widget carries it
// (strings.ts); the server (server/offers/ui-strings.ts) sends a visitor only what differs from it.
import type { UiStrings } from '../server/offers/ui-strings.js';

export const EN: UiStrings = {
  copyCode: 'Copy code',
  copied: 'Copied',
  codeCopied: 'Code copied',
  close: 'Close',
  codeExpiresIn: 'Code expires in',
  endsIn: 'Ends in',
  ended: 'This offer has ended',
  viewing: '{n} people are viewing now',
  minutesLeft: '{n} minutes left',
  minuteLeft: '1 minute left',
  emailLabel: 'Email address',
  emailPlaceholder: 'you@example.com',
  emailInvalid: 'Please enter a valid email address.',
  sending: 'Sending…',
  leadBad: 'Please check your email address.',
  leadError: 'Something went wrong. Please try again.',
  leadDone: 'Thank you!',
  leadNext: '{asset} is on its way: check your inbox.',
  announce: 'Offer: {headline}',
  skip: 'Skip to offer',
  previewNotSent: 'Preview — not sent.',
};
