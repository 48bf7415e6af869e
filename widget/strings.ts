// The widget's own words in English. The server sends, with an offer, only what differs for the
// visitor (their page's language, the offer's own `strings`: server/offers/ui-strings.ts, whose
// English table a test keeps equal to this one), so another language costs English pages nothing.
import type { UiStringKey, UiStrings } from '../server/offers/ui-strings';

export type { UiStringKey, UiStrings };

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

/** The offer's words (English where it sends none), with `{name}` filled in from `vars`. */
export function say(own: Partial<UiStrings> | undefined, key: UiStringKey, vars: Record<string, string | number> = {}): string {
  const text = (typeof own?.[key] === 'string' ? own[key] : undefined) ?? EN[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
