// The key a lead's email is found by for erasure: the address in Unicode NFC, lower-cased by
// JavaScript (Unicode's default, locale-free case mapping). Computed here, never by the
// database: SQLite's lower() folds ASCII only and Postgres' depends on the database's ctype, so
// `ÖZGE@example.com` and `özge@EXAMPLE.com` would not meet there. NFC first, so a composed `Ö`
// and an `O` + combining diaeresis typed into a form are one address. Changing this function
// means a migration that recomputes `vo_leads.email_key` for every row.
export function emailKey(email: string): string {
  return email.normalize('NFC').toLowerCase();
}
