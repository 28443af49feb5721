/**
 * Identity tags and the `user_identities` keys they are sent as: wire-specs §1 lists the Events
 * API keys, §3 the Looker tags people already put in LookML.
 */
export const IDENTITY_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["mp_email", "email"],
  ["mp_customer_id", "customer_id"],
  ["mp_facebook", "facebook"],
  ["mp_google", "google"],
  ["mp_microsoft", "microsoft"],
  ["mp_twitter", "twitter"],
  ["mp_yahoo", "yahoo"],
  ["mp_other", "other"],
  ["mp_other2", "other_id_2"],
  ["mp_other3", "other_id_3"],
  ["mp_other4", "other_id_4"],
];
