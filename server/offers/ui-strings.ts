// The widget's own words (buttons, labels, announcements), by language. The widget carries the
// English ones; the server sends only what differs for a visitor (their page's language from the
// built-in tables, then the offer's own `strings`), so a second language costs English visitors
// nothing. `{n}`, `{asset}` and `{headline}` are filled in by the widget.
import { EN } from '../../widget/ui-strings-en.js';

/** The widget's defaults: its own English table, the one both sides read. */
export { EN };

export const UI_STRING_KEYS = [
  'copyCode',
  'copied',
  'codeCopied',
  'close',
  'codeExpiresIn',
  'endsIn',
  'ended',
  'viewing',
  'minutesLeft',
  'minuteLeft',
  'emailLabel',
  'emailPlaceholder',
  'emailInvalid',
  'sending',
  'leadBad',
  'leadError',
  'leadDone',
  'leadNext',
  'announce',
  'skip',
  'previewNotSent',
] as const;

export type UiStringKey = (typeof UI_STRING_KEYS)[number];
export type UiStrings = Record<UiStringKey, string>;

export const UI_STRING_MAX = 160;

const FR: UiStrings = {
  copyCode: 'Copier le code',
  copied: 'Copié',
  codeCopied: 'Code copié',
  close: 'Fermer',
  codeExpiresIn: 'Le code expire dans',
  endsIn: 'Se termine dans',
  ended: 'Cette offre est terminée',
  viewing: '{n} personnes regardent en ce moment',
  minutesLeft: 'Plus que {n} minutes',
  minuteLeft: 'Plus qu’une minute',
  emailLabel: 'Adresse e-mail',
  emailPlaceholder: 'vous@exemple.fr',
  emailInvalid: 'Veuillez saisir une adresse e-mail valide.',
  sending: 'Envoi…',
  leadBad: 'Veuillez vérifier votre adresse e-mail.',
  leadError: 'Une erreur est survenue. Veuillez réessayer.',
  leadDone: 'Merci !',
  leadNext: '{asset} arrive : consultez votre boîte de réception.',
  announce: 'Offre : {headline}',
  skip: 'Aller à l’offre',
  previewNotSent: 'Aperçu — rien n’a été envoyé.',
};

/** Built-in languages by primary subtag; English is the widget's own. */
export const BUILT_IN_LANGS: Readonly<Record<string, UiStrings>> = { en: EN, fr: FR };

const TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i;

/** A page's `lang` as sent by the widget (`?lang=fr-CA`), or null when absent or malformed. */
export function readLang(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 35 && TAG.test(value) ? value.toLowerCase() : null;
}

/** The site's own tables (the offers file's `lang`), by lower-case language tag. */
export type LangTables = Readonly<Record<string, Partial<UiStrings>>>;

/**
 * What the widget must change from its English defaults for a page in `lang`, or undefined when
 * nothing differs. First found wins, key by key: the offer's own `strings`, the site's table for
 * the tag, for its primary subtag, then the shipped table for the tag, for its primary subtag.
 */
export function uiStringsFor(lang: string | null, own: Partial<UiStrings> | undefined, site: LangTables = {}): Partial<UiStrings> | undefined {
  const primary = lang?.split('-')[0] ?? '';
  const tables = lang === null ? [] : [site[lang], site[primary], BUILT_IN_LANGS[lang], BUILT_IN_LANGS[primary]];
  const out: Partial<UiStrings> = {};
  for (const key of UI_STRING_KEYS) {
    const value = own?.[key] ?? tables.map((t) => t?.[key]).find((v) => v !== undefined);
    if (value !== undefined && value !== EN[key]) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
